using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;
using Reconciler.Auth;
using Reconciler.Http;

namespace Reconciler.Api.OpenApi;

/// <summary>
/// Per operation, what the endpoint's metadata says beyond bodies: the bearer key and the roles it needs (or
/// <c>security: []</c> for a public one), the headers it sends, and the media types it answers besides JSON.
/// Headers every endpoint sends on a problem are described here once: <c>WWW-Authenticate</c> on 401,
/// <c>Retry-After</c> on a 503 <c>store-unavailable</c> or <c>overloaded</c>.
/// </summary>
public sealed class OperationConventions : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<RequiredRoles>().LastOrDefault() is { } roles)
        {
            var bearer = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiDocument.BearerScheme, context.Document)] = [] };
            // An empty requirement first: a client may call without a key (OpenAPI's way to say "optional").
            operation.Security = metadata.OfType<KeyOptional>().Any() ? [new OpenApiSecurityRequirement(), bearer] : [bearer];
            operation.Description = $"Roles: {string.Join(", ", roles.Roles)}." + (operation.Description is { } more ? " " + more : "");
        }
        else
        {
            // No key: an empty list overrides any default, and says so to linters and generators.
            operation.Security = [];
        }
        operation.Responses ??= [];
        foreach (var alternative in metadata.OfType<AlternativeContent>())
        {
            var response = Response(operation, alternative.Status);
            response.Description = alternative.Description;
            response.Content ??= new Dictionary<string, OpenApiMediaType>();
            response.Content[alternative.MediaType] = alternative.Text
                ? new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } }
                : new OpenApiMediaType();
        }
        foreach (var header in metadata.OfType<ResponseHeader>())
        {
            AddHeader(Response(operation, header.Status), header.Name, header.Description);
        }
        if (operation.Responses.TryGetValue("401", out var unauthorized) && unauthorized is OpenApiResponse refused)
        {
            AddHeader(refused, "WWW-Authenticate", "Bearer: the scheme the key is sent with.");
        }
        if (operation.Responses.TryGetValue("503", out var unavailable) && unavailable is OpenApiResponse { Content: { } content } busy
            && content.ContainsKey("application/problem+json"))
        {
            AddHeader(busy, "Retry-After", "Seconds to wait before sending the request again as it is (store-unavailable, overloaded).");
        }
        DescribeReadRouting(operation, ReadRoutingEndpoints.KindOf(context.Description.HttpMethod ?? "GET", metadata.OfType<ReadRoutingEndpoints.Marker>().LastOrDefault()));
        return Task.CompletedTask;
    }

    // With read replicas (serve --read-connection): a write answers its consistency token, a read takes one and says where it was served.
    private static void DescribeReadRouting(OpenApiOperation operation, ReadRoutingEndpoints.Kind kind)
    {
        if (kind == ReadRoutingEndpoints.Kind.PrimaryRead)
        {
            return;
        }
        var answers = operation.Responses!.Where(r => r.Key.StartsWith('2')).Select(r => r.Value).OfType<OpenApiResponse>().ToList();
        if (kind == ReadRoutingEndpoints.Kind.Write)
        {
            answers.ForEach(r => AddHeader(r, ReadRouting.ConsistencyHeader,
                "With read replicas only: the write's position in the primary's log (a consistency token such as 0/16B3748). Send it back in the request header of the same name to read this write."));
            return;
        }
        // The request header is described once, in the document's description: as a parameter of every read it would
        // shift the positional arguments of generated clients (NSwag) for an option most callers never use.
        foreach (var answer in answers)
        {
            AddHeader(answer, ReadRouting.ReadFromHeader, "With read replicas only: where the read was served, 'primary' or the replica's name (replica-1, …).");
            AddHeader(answer, ReadRouting.LagHeader, "With read replicas only, from a replica: how many seconds it trailed the primary when chosen (decimal).");
        }
    }

    private static OpenApiResponse Response(OpenApiOperation operation, int status)
    {
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(code, out var existing) && existing is OpenApiResponse response)
        {
            return response;
        }
        var created = new OpenApiResponse { Description = ReasonPhrases.GetReasonPhrase(status) };
        operation.Responses[code] = created;
        return created;
    }

    private static void AddHeader(OpenApiResponse response, string name, string description)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
    }
}
