using Reconciler.Core.Events;
using Reconciler.Core.Storms;
using Reconciler.Store;
using Reconciler.Store.Storms;

namespace Reconciler.Storms;

/// <summary>
/// What webhook delivery holds back during a storm: the <c>ConflictOpened</c> items of the storm's operation type and kind
/// between the conflict that raised it and where the guard stood when it ended. They stay on the feed and in the conflicts;
/// only their webhooks are replaced by the storm's own events. A conflict the guard has not judged yet is not delivered
/// either: the page stops before it until the guard has passed it (it follows the feed within about a second).
/// </summary>
public sealed class StormHold(StormStore storms)
{
    public const string HeldType = "ConflictOpened";

    private static readonly TimeSpan BehindPause = TimeSpan.FromMilliseconds(50);

    public static bool IsStormEvent(string type) => SystemEventCodec.TypeNames.Contains(type);

    /// <summary>The operation type a storm event is about (the feed shows it on the system stream).</summary>
    public static string OperationTypeOf(RecordedEvent e) => SystemEventCodec.Deserialize(e.Type, e.Data) switch
    {
        ConflictStormStarted s => s.OperationType,
        ConflictStormContinued s => s.OperationType,
        ConflictStormEnded s => s.OperationType,
        _ => "",
    };

    public async Task<FeedPage> FilterAsync(FeedCursor after, FeedPage page, CancellationToken ct)
    {
        if (!page.Events.Any(e => e.Type == HeldType) || await storms.CheckpointAsync(ct) is not { } guarded)
        {
            return page; // nothing to hold, or no guard has run on this database yet
        }
        var judged = page.Events.TakeWhile(e => e.Type != HeldType || e.Cursor <= guarded).ToList();
        var next = judged.Count == page.Events.Count ? page.Next : judged.Count > 0 ? judged[^1].Cursor : after;
        var spans = await storms.SpansAfterAsync(after, ct);
        var kept = spans.Count == 0 ? judged : judged.Where(e => !Held(e, spans)).ToList();
        if (judged.Count < page.Events.Count && judged.Count == 0)
        {
            await Task.Delay(BehindPause, ct); // the guard is behind: give it a moment before the reader asks again
        }
        return new FeedPage(kept, next);
    }

    private static bool Held(RecordedEvent e, IReadOnlyList<StormSpan> spans)
    {
        if (e.Type != HeldType)
        {
            return false;
        }
        var kind = ((ConflictOpened)EventCodec.Deserialize(e.Type, e.Data)).Kind;
        return spans.Any(s => s.OperationType == e.OperationType && s.Kind == kind && e.Cursor >= s.From && (s.Until is not { } until || e.Cursor < until));
    }
}
