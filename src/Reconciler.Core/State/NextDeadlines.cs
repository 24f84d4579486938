using System.Collections.Immutable;

namespace Reconciler.Core.State;

/// <summary>
/// When the engine must look at an operation next (<see cref="OperationState.NextDeadline"/>): the earliest grace window, armed
/// expectation not yet passed, final outcome, conflict due (<c>dueBy</c>) or finish clock. The deadline worker wakes for it, and
/// every command lets what is due by its time pass first.
/// </summary>
internal static class NextDeadlines
{
    /// <summary>The state with its next deadline brought up to date (the same state when it did not change).</summary>
    public static OperationState Refresh(OperationState s)
    {
        var next = Of(s.FinalDue, s.Divergences, s.Expectations, Clocks(s));
        return s.NextDeadline == next ? s : s with { NextDeadline = next };
    }

    /// <summary>The accountability clocks: the earliest conflict due and the finish deadline.</summary>
    public static DateTimeOffset? Clocks(OperationState s) =>
        s.ConflictsDue is { } due && (s.FinishDeadline is not { } finish || due <= finish) ? due : s.FinishDeadline;

    public static DateTimeOffset? Of(DateTimeOffset? finalDue, ImmutableDictionary<string, Divergence> divergences,
        ImmutableList<ArmedExpectation> expectations, DateTimeOffset? clocks)
    {
        var next = finalDue is { } f && (clocks is not { } c || f <= c) ? finalDue : clocks;

        // The dictionary's own struct enumerator: .Values would allocate an iterator on every divergence event.
        foreach (var (_, d) in divergences)
        {
            next = next is null || d.Due < next ? d.Due : next;
        }

        for (var i = 0; i < expectations.Count; i++)
        {
            var x = expectations[i];
            if (x.ConflictId is null)
            {
                next = next is null || x.Due < next ? x.Due : next;
            }
        }

        return next;
    }
}
