using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.State;
using Reconciler.Store;

namespace Reconciler.Responses;

/// <summary>
/// Time travel: the truth as it stood after stream version N, or at an engine time (the events whose <c>at</c> is
/// at or before it), folded from the stream rather than read from the projection. The API and the console share it.
/// </summary>
public static class TruthHistory
{
    /// <summary>The folded state, or why there is none: <c>unknown-operation</c>, <c>unknown-version</c> or <c>not-yet-known</c>.</summary>
    public sealed record Point(OperationState? State, string? Refusal, string? Detail);

    public static async Task<Point> FoldAsync(EventStore store, string id, DateTimeOffset? until, long? version, CancellationToken ct)
    {
        var recorded = await store.ReadDecodedStreamAsync(id, version ?? long.MaxValue, ct);
        if (recorded.Count == 0)
        {
            return new(null, "unknown-operation", UnknownOperation(id));
        }
        // Versions run 1..n without gaps, so the count of events read is the last version.
        if (version is { } wanted && recorded.Count < wanted)
        {
            return new(null, "unknown-version", $"Operation '{id}' has {recorded.Count} events; ask for version 1..{recorded.Count}.");
        }
        // Engine time (each event's At): the truth as the engine knew it then.
        var events = recorded.TakeWhile(e => until is null || e.At <= until).ToList();
        if (events.Count == 0)
        {
            return new(null, "not-yet-known", $"Operation '{id}' had no events at {until:O}; its first is at {recorded[0].At:O}.");
        }
        return new(OperationDecider.Fold(events), null, null);
    }

    public static string UnknownOperation(string id) => $"No operation '{id}' has been reported; check the id (it is case-sensitive).";
}
