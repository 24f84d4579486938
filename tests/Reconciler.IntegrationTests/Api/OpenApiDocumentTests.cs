using Microsoft.OpenApi;
using Reconciler.IntegrationTests.Contract;
using Xunit.Abstractions;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// GET /v1/openapi.json read back with Microsoft.OpenApi: every endpoint of the table in docs/api.md
/// ("Endpoints at a glance") is in it with the schema of its success response, the schema of its request body,
/// the bearer scheme and the problems (401, 403) of an endpoint behind a key — enough to generate a client.
/// </summary>
public sealed class OpenApiDocumentTests(ApiServerFixture api, ITestOutputHelper output) : IClassFixture<ApiServerFixture>
{
    private readonly ApiServer _server = api.Server;

    [Fact]
    public async Task Given_the_endpoint_table_of_the_docs_when_the_document_is_read_then_every_endpoint_has_its_schemas()
    {
        await using var body = await _server.Admin.GetStreamAsync("/v1/openapi.json");
        var read = await OpenApiDocument.LoadAsync(body, "json");
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        var document = read.Document!;
        var bearer = document.Components!.SecuritySchemes!["bearer"];
        Assert.Equal(SecuritySchemeType.Http, bearer.Type);
        Assert.Equal("bearer", bearer.Scheme);

        var rows = ApiDocsTable.Read();
        Assert.True(rows.Count >= 31, $"only {rows.Count} rows read from docs/api.md");
        var missing = new List<string>();
        foreach (var row in rows)
        {
            var name = $"{row.Method} {row.Path}";
            if (document.Paths.TryGetValue(row.Path, out var path) is false || path.Operations?.GetValueOrDefault(HttpMethod.Parse(row.Method)) is not { } operation)
            {
                missing.Add($"{name}: not in the document");
                continue;
            }
            if (operation.Responses?.GetValueOrDefault(row.Success.ToString(System.Globalization.CultureInfo.InvariantCulture)) is not { } success)
            {
                missing.Add($"{name}: no {row.Success} response");
            }
            // A JSON or text answer has a schema; server-sent events have none (they are no JSON document).
            else if (row.Success != 204 && (success.Content is not { Count: > 0 } content || content.Any(m => m.Key != "text/event-stream" && m.Value.Schema is null)))
            {
                missing.Add($"{name}: the {row.Success} response has no schema");
            }
            // A JSON body, or what the endpoint takes instead (a CSV file, a system's own delivery), with its schema.
            if (row.Method is "POST" or "PUT" or "PATCH"
                && (operation.RequestBody?.Content is not { Count: > 0 } request || request.Values.Any(m => m.Schema is null)))
            {
                missing.Add($"{name}: no request body schema");
            }
            if (row.Roles != "none")
            {
                if (operation.Security is not { Count: > 0 })
                {
                    missing.Add($"{name}: no security requirement");
                }
                foreach (var status in new[] { "401", "403" })
                {
                    if (operation.Responses?.GetValueOrDefault(status)?.Content?.ContainsKey("application/problem+json") is not true)
                    {
                        missing.Add($"{name}: no {status} problem");
                    }
                }
            }
        }
        output.WriteLine($"{rows.Count} endpoints checked");
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }
}
