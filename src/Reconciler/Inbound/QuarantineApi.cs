using System.Globalization;
using System.Text;
using System.Text.Json;
using Reconciler.Api;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Store.Inbound;
using Reconciler.Http;

namespace Reconciler.Inbound;

/// <summary>
/// A source's quarantine: the deliveries no rule mapped, whose mapping failed or one of whose signals was rejected —
/// acknowledged, so kept whole until a replay under a newer mapping ingests them ("we added the rule later").
/// </summary>
public static class QuarantineApi
{
    public sealed record QuarantinedDelivery(
        long DeliveryId, DateTimeOffset ReceivedAt, int MappingVersion, string? Reason, string? Field, string? ContentType, int Bytes,
        string? Payload, string? PayloadBase64, int Replays, DateTimeOffset UpdatedAt);

    public sealed record QuarantinePage(IReadOnlyList<QuarantinedDelivery> Items, string? Next);

    public static IEndpointRouteBuilder MapQuarantineApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/sources/{source}/inbound/unmatched", ListAsync).Describe("listUnmatchedDeliveries", "The source's quarantine: deliveries no rule mapped, or whose mapping failed, with the reason").WithTags(ApiTags.Inbound)
            .Answers<QuarantinePage>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest).RequireRole(Roles.Readers);
        app.MapPost("/v1/sources/{source}/inbound/unmatched/replay", ReplayAsync).Describe("replayUnmatchedDeliveries", "Map quarantined deliveries again under the newest mapping").WithTags(ApiTags.Inbound).Reads<ReplayRequestContract>(optional: true)
            .Answers<ReplayAnswer>(StatusCodes.Status200OK, StatusCodes.Status404NotFound, StatusCodes.Status422UnprocessableEntity).RequireRole([Roles.Admin]);
        return app;
    }

    private static async Task<IResult> ListAsync(string source, string? cursor, int? limit, InboundDeliveryTable deliveries, CancellationToken ct)
    {
        if (InboundSources.Invalid(source) is { } invalid)
        {
            return invalid;
        }
        if (Paging.CheckLimit(limit) is { } invalidLimit)
        {
            return invalidLimit;
        }
        long after = 0;
        if (cursor is not null && !long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            return Paging.InvalidCursor();
        }
        var take = limit ?? Paging.DefaultLimit;
        var rows = await deliveries.QuarantinedAsync(source, after, take + 1, ct);
        var items = rows.Take(take).Select(View).ToList();
        return TypedResults.Ok(new QuarantinePage(items, rows.Count > take ? items[^1].DeliveryId.ToString(CultureInfo.InvariantCulture) : null));
    }

    private static async Task<IResult> ReplayAsync(string source, HttpRequest request, QuarantineReplay replay, CancellationToken ct)
    {
        if (InboundSources.Invalid(source) is { } invalid)
        {
            return invalid;
        }
        IReadOnlyList<long>? ids = null;
        if (request.ContentLength is not 0)
        {
            var body = await RequestJson.ReadObjectAsync(request, ct);
            if (body.Problem is not null)
            {
                return body.Problem;
            }
            var (read, problem) = DeliveryIds(body.Value);
            if (problem is not null)
            {
                return problem;
            }
            ids = read;
        }
        return await replay.ReplayAsync(source, ids, ct) is { } answer ? TypedResults.Ok(answer) : InboundSources.NoMapping(source);
    }

    private static (IReadOnlyList<long>? Ids, IResult? Problem) DeliveryIds(JsonElement body)
    {
        foreach (var property in body.EnumerateObject().Where(p => p.Name != "deliveryIds"))
        {
            return (null, Invalid($"'{property.Name}' is not a replay field; send {{ \"deliveryIds\": [ 41, 42 ] }}, or nothing to replay the whole quarantine."));
        }
        if (!body.TryGetProperty("deliveryIds", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 or > QuarantineReplay.MaxReplay
            || list.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.Number || !i.TryGetInt64(out _)))
        {
            return (null, Invalid($"deliveryIds must be a list of 1..{QuarantineReplay.MaxReplay} delivery ids (the deliveryId of GET …/inbound/unmatched)."));
        }
        return ([.. list.EnumerateArray().Select(i => i.GetInt64())], null);
    }

    private static IResult Invalid(string detail) =>
        Problems.Result(StatusCodes.Status422UnprocessableEntity, "invalid-replay", "The replay request is not valid", detail);

    /// <summary>A row as the API shows it: the payload as text when it is UTF-8 (JSON always is), else as base64.</summary>
    public static QuarantinedDelivery View(DeliveryRow row)
    {
        string? text = null;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(row.Payload);
        }
        catch (DecoderFallbackException)
        {
        }
        return new QuarantinedDelivery(row.DeliveryId, row.ReceivedAt, row.MappingVersion, row.Reason, row.Field, row.ContentType, row.PayloadBytes,
            text, text is null ? Convert.ToBase64String(row.Payload) : null, row.Replays, row.UpdatedAt);
    }
}
