using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Http;
using Reconciler.Store;
using Reconciler.Webhooks;

namespace Reconciler.Api;

/// <summary>
/// Webhook subscriptions (admin): durable, signed deliveries of the feed from each subscription's own checkpoint,
/// their status and lag, and the deliveries parked after their last retry (docs/webhooks.md).
/// </summary>
public static class SubscriptionsApi
{
    public const int DefaultParkedLimit = 100;
    public const int MaxParkedLimit = 1000;

    public sealed record SubscriptionList(IReadOnlyList<SubscriptionView> Items);

    public sealed record Redelivery(int Redelivered);

    public static IEndpointRouteBuilder MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        var subscriptions = app.MapGroup("/v1/subscriptions").RequireRole([Roles.Admin]).WithTags(ApiTags.Subscriptions);
        subscriptions.MapPost("", CreateAsync).Describe("createSubscription", "Create a webhook subscription")
            .Reads<SubscriptionRequestContract>().Answers<SubscriptionView>(StatusCodes.Status201Created, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)
            .WithHeader(StatusCodes.Status201Created, "Location", "The subscription's path, /v1/subscriptions/{name}.");
        subscriptions.MapGet("", ListAsync).Describe("listSubscriptions", "Every subscription with its status").Answers<SubscriptionList>(StatusCodes.Status200OK);
        subscriptions.MapGet("/{name}", GetAsync).Describe("getSubscription", "One subscription with its status")
            .Answers<SubscriptionView>(StatusCodes.Status200OK, StatusCodes.Status404NotFound);
        subscriptions.MapPatch("/{name}", UpdateAsync).Describe("updateSubscription", "Change a subscription's target, filters, status or secret")
            .Reads<SubscriptionChangeContract>().Answers<SubscriptionView>(StatusCodes.Status200OK, StatusCodes.Status404NotFound, StatusCodes.Status422UnprocessableEntity);
        subscriptions.MapDelete("/{name}", DeleteAsync).Describe("deleteSubscription", "Delete a subscription with its waiting and parked deliveries")
            .Produces(StatusCodes.Status204NoContent).Problems(StatusCodes.Status404NotFound);
        subscriptions.MapGet("/{name}/parked", ParkedAsync).Describe("listParkedDeliveries", "Deliveries that exhausted their retries, in feed order, paged")
            .Answers<ParkedPage>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        subscriptions.MapPost("/{name}/parked/redeliver", RedeliverAsync).Describe("redeliverParked", "Deliver parked deliveries again, ahead of new items")
            .Reads<RedeliverRequestContract>(optional: true).Answers<Redelivery>(StatusCodes.Status202Accepted, StatusCodes.Status404NotFound, StatusCodes.Status422UnprocessableEntity)
            .WithHeader(StatusCodes.Status202Accepted, "Location", "The subscription's path, /v1/subscriptions/{name}.");
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, SubscriptionStore store, FeedSource feed, WebhookOptions options, CancellationToken ct)
    {
        var body = await RequestJson.ReadObjectAsync(request, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        var (subscription, problems) = await SubscriptionRequest.ReadNewAsync(body.Value, options.AllowPrivateTargets, ct);
        if (subscription is null)
        {
            return Invalid("invalid-subscription", "The subscription is not valid", problems);
        }
        var generated = subscription.Secret is null ? WebhookSecret.Generate() : null;
        var checkpoint = subscription.From switch
        {
            "start" => FeedCursor.Start,
            "end" => await feed.EndAsync(ct),
            var cursor => FeedCursor.TryDecode(cursor, out var given) ? given : FeedCursor.Start,
        };
        if (!await store.CreateAsync(subscription, subscription.Secret ?? generated!, checkpoint, ct))
        {
            return Problems.Result(StatusCodes.Status409Conflict, "subscription-exists", "The subscription exists",
                $"A subscription named '{subscription.Name}' exists; change it with PATCH /v1/subscriptions/{subscription.Name}, or choose another name.");
        }
        var view = (await store.GetAsync(subscription.Name, ct))!;
        // A generated secret is shown here, once; a given one is never echoed.
        return TypedResults.Created($"/v1/subscriptions/{Uri.EscapeDataString(subscription.Name)}", view with { Secret = generated });
    }

    private static async Task<IResult> ListAsync(SubscriptionStore store, CancellationToken ct) =>
        TypedResults.Ok(new SubscriptionList(await store.ListAsync(ct)));

    private static async Task<IResult> GetAsync(string name, SubscriptionStore store, CancellationToken ct) =>
        await store.GetAsync(name, ct) is { } view ? TypedResults.Ok(view) : Unknown(name);

    private static async Task<IResult> UpdateAsync(string name, HttpRequest request, SubscriptionStore store, WebhookOptions options, CancellationToken ct)
    {
        var body = await RequestJson.ReadObjectAsync(request, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        var (change, problems) = await SubscriptionRequest.ReadChangeAsync(body.Value, options.AllowPrivateTargets, ct);
        if (change is null)
        {
            return Invalid("invalid-subscription", "The change is not valid", problems);
        }
        return await store.UpdateAsync(name, change, ct) ? TypedResults.Ok(await store.GetAsync(name, ct)) : Unknown(name);
    }

    private static async Task<IResult> DeleteAsync(string name, SubscriptionStore store, CancellationToken ct) =>
        await store.DeleteAsync(name, ct) ? TypedResults.NoContent() : Unknown(name);

    private static async Task<IResult> ParkedAsync(string name, string? cursor, [Range(1, MaxParkedLimit)] int? limit, ParkedDeliveries parked, CancellationToken ct)
    {
        long afterPosition = 0;
        if (cursor is not null)
        {
            if (FeedSource.PositionOf(cursor) is not { } position)
            {
                return Paging.InvalidCursor();
            }
            afterPosition = position;
        }
        if (Paging.CheckLimit(limit, MaxParkedLimit, DefaultParkedLimit) is { } invalidLimit)
        {
            return invalidLimit;
        }
        return await parked.FindAsync(name, ct) is { } id
            ? TypedResults.Ok(await parked.ListAsync(id, afterPosition, limit ?? DefaultParkedLimit, ct))
            : Unknown(name);
    }

    private static async Task<IResult> RedeliverAsync(string name, HttpRequest request, ParkedDeliveries parked, CancellationToken ct)
    {
        var selection = new RedeliverySelection(null, null, null);
        if (request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0))
        {
            var body = await RequestJson.ReadObjectAsync(request, ct);
            if (body.Problem is not null)
            {
                return body.Problem;
            }
            var (read, problems) = ReadSelection(body.Value);
            if (read is null)
            {
                return Invalid("invalid-redelivery", "The redelivery is not valid", problems);
            }
            selection = read;
        }
        return await parked.FindAsync(name, ct) is { } id
            ? TypedResults.Accepted($"/v1/subscriptions/{Uri.EscapeDataString(name)}", new Redelivery(await parked.RedeliverAsync(id, selection, ct)))
            : Unknown(name);
    }

    /// <summary><c>{ "eventIds"?: ["evt-1", …], "from"?: time, "to"?: time }</c>: the times bound when the deliveries were parked.</summary>
    private static (RedeliverySelection? Selection, List<FieldProblem> Problems) ReadSelection(JsonElement body)
    {
        var problems = new List<FieldProblem>();
        foreach (var property in body.EnumerateObject().Where(p => p.Name is not ("eventIds" or "from" or "to")))
        {
            problems.Add(new(property.Name, "unknown-field", "is not a field here; use eventIds, from, to"));
        }
        List<long>? positions = null;
        if (body.TryGetProperty("eventIds", out var ids) && ids.ValueKind != JsonValueKind.Null)
        {
            positions = [];
            if (ids.ValueKind != JsonValueKind.Array || ids.GetArrayLength() is 0 or > MaxParkedLimit)
            {
                problems.Add(new("eventIds", "invalid-event-ids", $"must be an array of 1..{MaxParkedLimit} eventIds such as \"evt-42\"; leave it out for every parked delivery"));
            }
            else
            {
                var i = 0;
                foreach (var id in ids.EnumerateArray())
                {
                    if (id.ValueKind == JsonValueKind.String && FeedSource.PositionOf(id.GetString()!) is { } position)
                    {
                        positions.Add(position);
                    }
                    else
                    {
                        problems.Add(new($"eventIds[{i}]", "invalid-event-id", "must be an eventId of the feed, such as \"evt-42\""));
                    }
                    i++;
                }
            }
        }
        var from = Time(body, "from", problems);
        var to = Time(body, "to", problems);
        if (from > to)
        {
            problems.Add(new("to", "invalid-range", "is before 'from'"));
        }
        return problems.Count > 0 ? (null, problems) : (new RedeliverySelection(positions, from, to), problems);
    }

    private static DateTimeOffset? Time(JsonElement body, string field, List<FieldProblem> problems)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.String && IsoTime.TryParse(value.GetString(), out var time))
        {
            return time;
        }
        problems.Add(new(field, "invalid-time", $"must be an ISO-8601 time with an offset such as {IsoTime.Example} (it bounds parkedAt)"));
        return null;
    }

    private static IResult Unknown(string name) =>
        Problems.NotFound("unknown-subscription", $"No subscription is named '{name}'; GET /v1/subscriptions lists them.");

    /// <summary>422 with every problem and its path, as invalid-policy does.</summary>
    private static IResult Invalid(string slug, string title, IReadOnlyList<FieldProblem> problems) =>
        Problems.Result(
            StatusCodes.Status422UnprocessableEntity, slug, title,
            $"{problems.Count} problem(s): " + string.Join("; ", problems.Select(p => $"{p.Path}: {p.Message} [{p.Rule}]")),
            new Dictionary<string, object?> { ["errors"] = problems.Select(p => new { path = p.Path, rule = p.Rule, message = p.Message }).ToArray() });
}
