using System.Text.Json;
using Reconciler.Core.Events;
using Reconciler.Store;

namespace Reconciler.Responses;

/// <summary>An operation's event as <c>GET /v1/operations/{id}/events</c> and the console show it.</summary>
public sealed record StreamEvent(long Position, long Version, string Type, DateTimeOffset Time, int PolicyVersion, JsonElement Data, JsonElement? Metadata)
{
    public static StreamEvent Of(RecordedEvent e)
    {
        var decoded = EventCodec.Deserialize(e.Type, e.Data);
        using var data = JsonDocument.Parse(e.Data);
        using var metadata = e.Metadata is null ? null : JsonDocument.Parse(e.Metadata);
        return new StreamEvent(e.Position, e.Version, e.Type, decoded.At, decoded.PolicyVersion, data.RootElement.Clone(), metadata?.RootElement.Clone());
    }
}
