using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Api;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Core.Policies;
using Reconciler.Http;

namespace Reconciler.Inbound;

/// <summary>
/// <c>PUT</c> and <c>GET /v1/sources/{source}/inbound</c>: a source's inbound mapping, versioned and validated like a
/// policy (422 listing every problem with its JSON path). The secret is sealed at rest and never returned.
/// </summary>
public static class InboundMappingApi
{
    public sealed record StoredInboundMapping(string Source, int Version);

    /// <summary>Expressions quote literals with ' : written as they were typed, not as \u0027 (the body is JSON, never HTML).</summary>
    public static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEndpointRouteBuilder MapInboundMappingApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/v1/sources/{source}/inbound", PutAsync).Describe("putInboundMapping", "Store a new version of how a source's own payloads are verified and mapped to signals").WithTags(ApiTags.Inbound).Reads<InboundMappingContract>()
            .Answers<StoredInboundMapping>(StatusCodes.Status201Created, StatusCodes.Status422UnprocessableEntity).Produces<StoredInboundMapping>().RequireRole([Roles.Admin]);
        app.MapGet("/v1/sources/{source}/inbound", GetAsync).Describe("getInboundMapping", "A source's inbound mapping: the newest version, or ?version=N (its secret never shown)").WithTags(ApiTags.Inbound)
            .Answers<StoredInboundMappingContract>(StatusCodes.Status200OK, StatusCodes.Status404NotFound).RequireRole(Roles.Readers);
        return app;
    }

    private static async Task<IResult> PutAsync(string source, HttpRequest request, InboundMappings mappings, CancellationToken ct)
    {
        if (InboundSources.Invalid(source) is { } invalid)
        {
            return invalid;
        }
        var body = await RequestJson.ReadObjectAsync(request, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        var newest = await mappings.GetAsync(source, null, ct);
        var read = InboundMappings.Read(body.Value, newest?.HasSecret ?? false);
        if (!read.IsValid)
        {
            return Invalid(read.Problems);
        }
        var (version, created) = await mappings.PutAsync(source, body.Value, read.Secret, ApiAuthorization.CallerOf(request.HttpContext).Identity, ct);
        var stored = new StoredInboundMapping(source, version);
        return created
            ? TypedResults.Created($"/v1/sources/{Uri.EscapeDataString(source)}/inbound?version={version}", stored)
            : TypedResults.Ok(stored);
    }

    private static async Task<IResult> GetAsync(string source, int? version, InboundMappings mappings, CancellationToken ct)
    {
        if (InboundSources.Invalid(source) is { } invalid)
        {
            return invalid;
        }
        var found = await mappings.GetAsync(source, version, ct);
        if (found is null)
        {
            return version is null
                ? InboundSources.NoMapping(source)
                : Problems.NotFound("unknown-mapping-version", $"Source '{source}' has no inbound mapping version {version}.");
        }
        return TypedResults.Text(Describe(found).ToJsonString(Readable), "application/json");
    }

    /// <summary>A version as GET shows it: the mapping as stored (never its secret) and what the server adds.</summary>
    public static JsonObject Describe(MappingVersion found)
    {
        var json = JsonNode.Parse(found.Stored.Body)!.AsObject();
        json["source"] = found.Source;
        json["version"] = found.Version;
        json["hasSecret"] = found.HasSecret;
        json["createdBy"] = found.Stored.CreatedBy;
        json["createdAt"] = found.Stored.CreatedAt;
        return json;
    }

    private static IResult Invalid(IReadOnlyList<PolicyProblem> problems) =>
        Problems.Result(
            StatusCodes.Status422UnprocessableEntity,
            "invalid-mapping",
            "The inbound mapping is not valid",
            $"{problems.Count} problem(s): " + string.Join("; ", problems.Select(p => $"{p.Path}: {p.Message}")),
            new Dictionary<string, object?> { ["errors"] = problems.Select(p => new { path = p.Path, message = p.Message }).ToArray() });
}
