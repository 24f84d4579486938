using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Reconciler.IntegrationTests.Contract;

/// <summary>
/// Every endpoint the server maps (its routing table, not a list kept here) is in the OpenAPI document with an
/// operationId, a summary and a described tag, and in docs/api.md's endpoint table; and the document names no
/// operation the server does not map. Adding an endpoint without describing it fails here.
/// </summary>
public sealed class EndpointCoverageTests(ContractServerFixture contract, ITestOutputHelper output) : IClassFixture<ContractServerFixture>
{
    [Fact]
    public void Given_the_servers_routing_table_when_the_document_and_the_docs_are_read_then_each_endpoint_is_described_in_both()
    {
        var mapped = MappedEndpoints();
        Assert.True(mapped.Count >= 31, $"only {mapped.Count} endpoints mapped: {string.Join(", ", mapped)}");
        var document = contract.Document;
        var paths = document["paths"]!.AsObject();
        var tags = document["tags"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).ToHashSet();
        var docs = ApiDocsTable.Read().Select(r => $"{r.Method} {r.Path}").ToHashSet();
        var missing = new List<string>();
        foreach (var endpoint in mapped)
        {
            var (method, path) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1]);
            if (paths[path]?[method.ToLowerInvariant()] is not JsonObject operation)
            {
                missing.Add($"{endpoint}: not in the OpenAPI document");
                continue;
            }
            foreach (var field in new[] { "operationId", "summary" })
            {
                if (operation[field]?.GetValue<string>() is not { Length: > 0 })
                {
                    missing.Add($"{endpoint}: no {field} (.Describe(...) beside MapXxx)");
                }
            }
            if (operation["tags"]?.AsArray() is not [_, ..] operationTags || operationTags.Any(t => !tags.Contains(t!.GetValue<string>())))
            {
                missing.Add($"{endpoint}: no tag, or a tag the document does not describe");
            }
            if (!docs.Contains(endpoint))
            {
                missing.Add($"{endpoint}: not in docs/api.md's table 'Endpoints at a glance'");
            }
        }
        foreach (var (path, item) in paths)
        {
            foreach (var method in item!.AsObject().Select(m => m.Key.ToUpperInvariant()).Where(m => m is "GET" or "POST" or "PUT" or "PATCH" or "DELETE"))
            {
                if (!mapped.Contains($"{method} {path}"))
                {
                    missing.Add($"{method} {path}: in the document, but the server maps no such endpoint");
                }
            }
        }
        output.WriteLine(string.Join("\n", mapped));
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    /// <summary>"METHOD /path" of every endpoint but the console's pages (HTML for people, not the API's contract).</summary>
    private List<string> MappedEndpoints() =>
        contract.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + e.RoutePattern.RawText!.Trim('/'), Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => !e.Path.StartsWith("/console", StringComparison.Ordinal) && !e.Path.StartsWith("/_", StringComparison.Ordinal))
            .SelectMany(e => e.Methods.Select(m => $"{m} {e.Path}"))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
}
