using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;

namespace Reconciler.Api.OpenApi;

/// <summary>
/// <c>GET /v1/openapi.json</c>: the document ASP.NET Core generates from the endpoints' metadata and from the types they
/// serialize, made to describe the wire by <see cref="WireSchemas"/> (schemas), <see cref="OperationConventions"/>
/// (security, headers, other media types) and <see cref="DocumentShape"/> (info, server, tags). The endpoints declare
/// what they read and answer with the helpers below, beside their handlers.
/// </summary>
public static class ApiDocument
{
    public const string Path = "/v1/openapi.json";
    public const string BearerScheme = "bearer";
    private static readonly string[] ProblemJson = ["application/problem+json"];

    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            // JSON passed through as it came (event data, attributes) is described where it is used, not as a type of its own.
            options.CreateSchemaReferenceId = type => (Nullable.GetUnderlyingType(type.Type) ?? type.Type) == typeof(System.Text.Json.JsonElement) ? null : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddSchemaTransformer<WireSchemas>();
            options.AddOperationTransformer<OperationConventions>();
            options.AddDocumentTransformer<DocumentShape>();
        });

    /// <summary>The operation's id (what generated clients name the method) and a one-line summary.</summary>
    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder endpoint, string operationId, string summary) =>
        endpoint.WithName(operationId).WithSummary(summary);

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

    /// <summary>A header the endpoint sends with its <paramref name="status"/> response.</summary>
    public static RouteHandlerBuilder WithHeader(this RouteHandlerBuilder endpoint, int status, string name, string description) =>
        endpoint.WithMetadata(new ResponseHeader(status, name, description));

    /// <summary>Another media type of its <paramref name="status"/> response: text (a string), or a stream that has no schema.</summary>
    public static RouteHandlerBuilder AlsoAnswers(this RouteHandlerBuilder endpoint, int status, string mediaType, string description, bool text = true) =>
        endpoint.WithMetadata(new AlternativeContent(status, mediaType, description, text));

    /// <summary>What every endpoint behind a key may answer: no or unknown key, a key without the role, the database away.</summary>
    public static TBuilder ProducesAuthProblems<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(
            new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ProblemDetails), ProblemJson),
            new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(ProblemDetails), ProblemJson),
            new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(ProblemDetails), ProblemJson));
}
