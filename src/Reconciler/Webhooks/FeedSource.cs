using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Reconciler.Store;
using Reconciler.Store.Webhooks;
using Reconciler.Store.Feed;
using Reconciler.Storms;
using Reconciler.Responses;

namespace Reconciler.Webhooks;

/// <summary>
/// The one place webhook delivery touches the feed: pages after a cursor (waiting for new events through the
/// server's <see cref="FeedReader"/>), the end cursor, how far a checkpoint trails, and the item as
/// <c>GET /v1/feed</c> shows it. When the feed reader moves, only this class follows.
/// </summary>
public sealed class FeedSource(FeedReader reader, EventStore store, StormHold storms, IOptions<JsonOptions> json)
{
    /// <summary>Lag counts at most this many events (the answer says "at least" beyond it).</summary>
    public const int MaxCountedLag = 100_000;

    /// <summary>Up to <paramref name="limit"/> events after <paramref name="after"/>; waits up to <paramref name="wait"/> when there are none.
    /// The conflicts a storm holds are left out (its storm events stand in for them).</summary>
    public async Task<FeedPage> ReadAsync(FeedCursor after, int limit, IReadOnlyCollection<string>? types, TimeSpan wait, CancellationToken ct) =>
        await storms.FilterAsync(after, await reader.ReadAsync(after, limit, types, wait, ct), ct);

    /// <summary>The cursor of "only events committed from now on".</summary>
    public Task<FeedCursor> EndAsync(CancellationToken ct) => store.GetEndCursorAsync(ct);

    /// <summary>The committed events after <paramref name="checkpoint"/> that match the filters (at most <see cref="MaxCountedLag"/>), and when the oldest was recorded.</summary>
    public Task<(long Events, DateTimeOffset? Oldest)> BacklogAsync(
        FeedCursor checkpoint, IReadOnlyCollection<string>? types, IReadOnlyCollection<string>? operationTypes, CancellationToken ct) =>
        store.CountBehindAsync(checkpoint, types, operationTypes, MaxCountedLag, ct);

    /// <summary>The item to deliver; its body is the feed item exactly as <c>GET /v1/feed</c> writes it (the API's own JSON options).</summary>
    public DeliveryItem ItemOf(RecordedEvent e) =>
        new(e.Position, e.StreamId, e.Version, e.Type, JsonSerializer.Serialize(FeedItem.Of(e), json.Value.SerializerOptions));

    /// <summary>The item's <c>eventId</c>, which is also the delivery's <c>webhook-id</c>.</summary>
    public static string EventId(long position) => FeedItem.EventIdOf(position);

    /// <summary>The position an <c>eventId</c> names, or null when it is not one.</summary>
    public static long? PositionOf(string eventId) =>
        eventId.StartsWith("evt-", StringComparison.Ordinal) && long.TryParse(eventId.AsSpan(4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var position)
            ? position : null;

    public static byte[] Utf8(string body) => Encoding.UTF8.GetBytes(body);
}
