using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Reconciler.Auth;

namespace Reconciler.Api.OpenApi;

/// <summary>
/// The document as a whole: what it describes, a relative server (a client generated from it must not keep the host
/// that happened to fetch it), the bearer scheme, a description for every tag, the document's own path (served by
/// <c>MapOpenApi</c>, which ASP.NET Core leaves out), and on every optional property the promise that it is left out.
/// </summary>
public sealed class DocumentShape : IOpenApiDocumentTransformer
{
    private const string LeftOut = "Left out when it has no value.";
    private const string Problem = "ProblemDetails";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Reconciler";
        document.Info.Version = "v1";
        document.Info.Description =
            "An event-sourced reconciliation engine: signals in, agreed truth, outcomes and conflicts out (docs/api.md). "
            + "Bodies are JSON with camelCase names. A property that is not required is left out when it has no value: "
            + "no property is null unless its schema allows null. Times are ISO-8601 with an offset. "
            + "Problems are RFC 9457 documents (application/problem+json) whose type names the rule. "
            + "With read replicas (serve --read-connection), a write answers a Reconciler-Consistency token; any read may send it back "
            + "in a Reconciler-Consistency request header to be served only by a replica that has replayed that write, else by the primary "
            + "(a malformed token is a 400 invalid-consistency-token).";
        document.Servers = [new OpenApiServer { Url = "/", Description = "The server this document was fetched from." }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiDocument.BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key made with POST /v1/keys (or RECONCILER_BOOTSTRAP_ADMIN_KEY): Authorization: Bearer <key>.",
        };
        AddDocumentPath(document);
        DescribeTags(document);
        SayOptionalIsLeftOut(document);
        return Task.CompletedTask;
    }

    private static void DescribeTags(OpenApiDocument document)
    {
        var described = ApiTags.All.ToDictionary(t => t.Name, t => t.Description, StringComparer.Ordinal);
        document.Tags = new HashSet<OpenApiTag>();
        var used = document.Paths.Values
            .SelectMany(p => p.Operations?.Values.AsEnumerable() ?? [])
            .SelectMany(o => o.Tags?.AsEnumerable() ?? [])
            .Select(t => t.Name)
            .Distinct();
        foreach (var name in used)
        {
            if (name is null || !described.TryGetValue(name, out var description))
            {
                throw new InvalidOperationException($"The tag '{name}' has no description: add it to {nameof(ApiTags)}.{nameof(ApiTags.All)}.");
            }
        }
        foreach (var (name, description) in ApiTags.All)
        {
            document.Tags.Add(new OpenApiTag { Name = name, Description = description });
        }
    }

    /// <summary><c>MapOpenApi</c> excludes its own endpoint from the description; a client may still fetch the document.</summary>
    private static void AddDocumentPath(OpenApiDocument document)
    {
        var problem = new OpenApiMediaType { Schema = new OpenApiSchemaReference(Problem, document) };
        var operation = new OpenApiOperation
        {
            OperationId = "getOpenApiDocument",
            Summary = "This OpenAPI document",
            Description = $"Roles: {string.Join(", ", Roles.Any)}.",
            Tags = new HashSet<OpenApiTagReference> { new(ApiTags.Health, document) },
            Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiDocument.BearerScheme, document)] = [] }],
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse
                {
                    Description = "The OpenAPI 3.1 document of this API.",
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object } } },
                },
                ["401"] = new OpenApiResponse
                {
                    Description = "Unauthorized",
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = problem },
                    Headers = new Dictionary<string, IOpenApiHeader>
                    {
                        ["WWW-Authenticate"] = new OpenApiHeader { Description = "Bearer: the scheme the key is sent with.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                    },
                },
                ["403"] = new OpenApiResponse { Description = "Forbidden", Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = problem } },
            },
        };
        document.Paths[ApiDocument.Path] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation } };
    }

    /// <summary>The promise of <see cref="WireSchemas"/>, on each property that is not required.</summary>
    private static void SayOptionalIsLeftOut(OpenApiDocument document)
    {
        // A choice of shapes (one signal or a batch) says which properties it requires in each of its anyOf branches (in allOf).
        foreach (var schema in document.Components?.Schemas?.Values.OfType<OpenApiSchema>().Where(s => s.AllOf is not { Count: > 0 }) ?? [])
        {
            foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                if (schema.Required?.Contains(name) is true)
                {
                    continue;
                }
                var description = property.Description is { } given ? $"{given.TrimEnd('.')}. {LeftOut}" : LeftOut;
                switch (property)
                {
                    case OpenApiSchemaReference reference:
                        reference.Description = description;
                        break;
                    case OpenApiSchema inline:
                        inline.Description = description;
                        break;
                }
            }
        }
    }
}
