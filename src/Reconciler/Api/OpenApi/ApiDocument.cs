using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Reconciler.Auth;

namespace Reconciler.Api.OpenApi;

/// <summary>
/// <c>GET /v1/openapi.json</c>: the document ASP.NET Core generates from the endpoints' metadata (bodies they
/// accept, responses they produce, problems), plus the bearer-key scheme and, per operation, the roles it needs.
/// </summary>
public static class ApiDocument
{
    public const string Path = "/v1/openapi.json";
    private const string BearerScheme = "bearer";
    private static readonly string[] ProblemJson = ["application/problem+json"];

    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Reconciler";
                document.Info.Description = "An event-sourced reconciliation engine: signals in, agreed truth, outcomes and conflicts out. Problems are RFC 9457 documents (application/problem+json) whose type names the rule.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key made with POST /v1/keys (or RECONCILER_BOOTSTRAP_ADMIN_KEY): Authorization: Bearer <key>.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequiredRoles>().LastOrDefault() is { } roles)
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                    operation.Description = $"Roles: {string.Join(", ", roles.Roles)}." + (operation.Description is { } more ? " " + more : "");
                }
                return Task.CompletedTask;
            });
        });

    /// <summary>The body this endpoint reads (by hand, strictly), as JSON of <typeparamref name="T"/>; a body that is not JSON or too large is a problem.</summary>
    public static RouteHandlerBuilder Reads<T>(this RouteHandlerBuilder endpoint, bool optional = false) where T : notnull =>
        endpoint.Accepts<T>(optional, "application/json").Problems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge);

    /// <summary>Its success response and the problems it may answer besides the ones every endpoint may (401, 403, 503).</summary>
    public static RouteHandlerBuilder Answers<T>(this RouteHandlerBuilder endpoint, int status, params int[] problems)
    {
        endpoint.Produces<T>(status);
        return endpoint.Problems(problems);
    }

    public static RouteHandlerBuilder Problems(this RouteHandlerBuilder endpoint, params int[] problems)
    {
        foreach (var problem in problems)
        {
            endpoint.ProducesProblem(problem);
        }
        return endpoint;
    }

    /// <summary>What every endpoint behind a key may answer: no or unknown key, a key without the role, the database away.</summary>
    public static TBuilder ProducesAuthProblems<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(
            new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ProblemDetails), ProblemJson),
            new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(ProblemDetails), ProblemJson),
            new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(ProblemDetails), ProblemJson));
}
