using Microsoft.AspNetCore.Authentication;
using Reconciler.Api;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Core.Inbound;
using Reconciler.Http;
using Reconciler.Store.Inbound;
using Reconciler.Webhooks;

namespace Reconciler.Inbound;

/// <summary>
/// <c>POST /v1/inbound/{source}</c>: a system's own delivery, as it sends it. Verified over the exact bytes (401 and
/// nothing stored when the signature fails or is stale), mapped by the source's newest mapping, and ingested through
/// the one write path. What does not map is acknowledged all the same (202, so the system stops retrying) and kept
/// in the source's quarantine.
/// </summary>
public static class InboundDeliveryApi
{
    /// <summary>The largest delivery taken (docs/inbound.md); a quarantined one is kept whole, so this also bounds a quarantine row.</summary>
    public const int MaxBodyBytes = 1 << 20;

    public sealed record InboundAnswer(string Source, int MappingVersion, IReadOnlyList<DeliveryOutcome> Deliveries);

    public static IEndpointRouteBuilder MapInboundDeliveryApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/inbound/{source}", PostAsync).Describe("receiveInbound", "A delivery as the source's system sends it: verified, mapped and ingested, or kept in the quarantine").WithTags(ApiTags.Inbound)
            // Any JSON the system sends (its own event objects), or CloudEvents; the mapping says how to read it.
            .Accepts<System.Text.Json.JsonElement>("application/json", "application/cloudevents+json", "application/cloudevents-batch+json")
            .Answers<InboundAnswer>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge)
            .Produces<InboundAnswer>(StatusCodes.Status202Accepted)
            // Signed schemes need no key (the signature is the credential); the scheme 'key' takes a source's or an admin's.
            .WithMetadata(new RequiredRoles([Roles.Source, Roles.Admin]), new KeyOptional()).ProducesAuthProblems().AllowAnonymous()
            .WithDescription("Signed deliveries (stripe, standard-webhooks, hmac-sha256) need no key; the scheme 'key' needs this source's key or an admin key.");
        return app;
    }

    private static async Task<IResult> PostAsync(string source, HttpContext http, InboundMappings mappings, InboundReceiver receiver, TimeProvider clock, CancellationToken ct)
    {
        if (InboundSources.Invalid(source) is { } invalid)
        {
            return invalid;
        }
        var version = await mappings.GetAsync(source, null, ct);
        if (version?.Mapping is not { Verify: { } verify, Rules.Count: > 0 } mapping)
        {
            return version is null
                ? InboundSources.NoMapping(source)
                : Problems.NotFound("unknown-inbound-source", $"The mapping of source '{source}' (version {version.Version}) has no rules for deliveries, only a csv section: add 'verify' and 'rules'.");
        }
        using var body = await BoundedBody.ReadAsync(http.Request, MaxBodyBytes, ct);
        if (body is null)
        {
            return Problems.Result(StatusCodes.Status413PayloadTooLarge, "payload-too-large", "The delivery is too large",
                $"A delivery may be at most {MaxBodyBytes} bytes (1 MiB); nothing was stored.", new Dictionary<string, object?> { ["maxBytes"] = MaxBodyBytes });
        }
        if (await RefusedAsync(http, mappings, source, version, verify, body.Memory, clock.GetUtcNow()) is { } refused)
        {
            return refused;
        }
        var (payloads, problem) = await PayloadsAsync(http.Request, mapping.Format, body.Memory, ct);
        if (payloads is null)
        {
            return problem!;
        }
        var mapper = new PayloadMapper(mapping.Rules);
        var outcomes = new List<DeliveryOutcome>(payloads.Count);
        foreach (var (stored, contentType) in payloads)
        {
            outcomes.Add(await receiver.ReceiveAsync(version, mapper, stored, contentType, ct));
        }
        var answer = new InboundAnswer(source, version.Version, outcomes);
        return outcomes.All(o => o.Status == DeliveryStatus.Ingested)
            ? TypedResults.Ok(answer)
            : TypedResults.Json(answer, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>The 401/403 that refuses a delivery before anything is read or stored, or null when it is the source's.</summary>
    private static async Task<IResult?> RefusedAsync(HttpContext http, InboundMappings mappings, string source, MappingVersion version, InboundVerification verify, ReadOnlyMemory<byte> body, DateTimeOffset now)
    {
        if (verify.Scheme == InboundWords.Key)
        {
            var authenticated = await http.AuthenticateAsync(ApiKeyAuthentication.SchemeName);
            if (authenticated.Principal is null || ApiKeyAuthentication.CallerOf(authenticated.Principal) is not { } caller)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return Problems.Unauthorized(authenticated.Failure?.Message ?? $"Source '{source}' uses the scheme 'key': send 'Authorization: Bearer <its source key>'.");
            }
            if (caller.Role is not (Roles.Source or Roles.Admin))
            {
                return Problems.Forbidden($"This needs the role source or admin; the key has the role {caller.Role}.");
            }
            return InboundSources.ForeignSource(caller, source);
        }
        string secret;
        try
        {
            secret = mappings.OpenSecret(version);
        }
        catch (SecretUnreadableException e)
        {
            return Problems.Result(StatusCodes.Status503ServiceUnavailable, "secret-unreadable", "The source's secret cannot be opened",
                $"This server cannot check the signature: {e.Message}. Nothing was stored; the system's retry will succeed once the server has the right secrets key.");
        }
        var refusal = SignatureCheck.Check(verify, secret, http.Request.Headers, body.Span, now);
        return refusal is null
            ? null
            : Problems.Result(StatusCodes.Status401Unauthorized, refusal.Slug, refusal.Slug == "stale-signature" ? "The signature is stale" : "The signature does not match", refusal.Detail);
    }

    /// <summary>The payloads to map: the JSON body, or each CloudEvent in structured form; or the 400 that refuses the body (nothing stored).</summary>
    private static async Task<(IReadOnlyList<(ReadOnlyMemory<byte> Stored, string? ContentType)>? Payloads, IResult? Problem)> PayloadsAsync(
        HttpRequest request, string format, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        if (format == InboundWords.CloudEvents)
        {
            var (events, problem) = await CloudEventReader.ReadAsync(request, body, ct);
            return events is null
                ? (null, Problems.BadRequest("invalid-cloudevent", problem! + " Nothing was stored."))
                : ([.. events.Select(e => ((ReadOnlyMemory<byte>)e, (string?)"application/cloudevents+json"))], null);
        }
        JsonTextProblem? textProblem;
        try
        {
            textProblem = StrictJson.FindProblem(body.Span);
        }
        catch (System.Text.Json.JsonException e)
        {
            textProblem = new JsonTextProblem("$", "malformed-json", $"The delivery is not valid JSON: {e.Message}");
        }
        if (textProblem is not null)
        {
            return (null, Problems.BadRequest(textProblem.Slug, $"{textProblem.Message} Nothing was stored.", Problems.Field(textProblem.Field)));
        }
        // A copy: the pooled buffer goes back when the request ends.
        return ([(body.ToArray(), request.ContentType)], null);
    }
}
