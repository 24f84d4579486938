using System.Globalization;
using System.Text.Json;
using Reconciler.Core.Events;
using Reconciler.Core.Storms;
using Reconciler.Store;

namespace Reconciler.Responses;

/// <summary>An event as the feed shows it (<c>GET /v1/feed</c>, its stream, and every webhook body).</summary>
public sealed record FeedItem(
    string EventId, long Position, string Cursor, string OperationId, string OperationType, long Version, string Type, DateTimeOffset Time, JsonElement Data)
{
    public static FeedItem Of(RecordedEvent e)
    {
        using var data = JsonDocument.Parse(e.Data);
        return new FeedItem(EventIdOf(e.Position), e.Position, e.Cursor.Encode(), e.StreamId, e.OperationType, e.Version, e.Type, TimeOf(e), data.RootElement.Clone());
    }

    /// <summary>Stable for dedupe: a position is never reused.</summary>
    public static string EventIdOf(long position) => "evt-" + position.ToString(CultureInfo.InvariantCulture);

    // Engine time, as in the operation's history, read through the event's codec; the row's commit time only for a type
    // this server does not know.
    private static DateTimeOffset TimeOf(RecordedEvent e) =>
        EventCodec.TypeNames.Contains(e.Type) ? EventCodec.Deserialize(e.Type, e.Data).At
        : SystemEventCodec.TypeNames.Contains(e.Type) ? SystemEventCodec.Deserialize(e.Type, e.Data).At
        : e.RecordedAt;
}
