using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.Views;

namespace Reconciler.Operations;

/// <summary>
/// Every write lets an operation's due deadlines pass before anything else is decided, so a signal or a
/// resolution that arrives before the deadline worker got round to it is judged on the truth as it stands now.
/// </summary>
public static class DueDeadlines
{
    /// <summary>The events of a <see cref="Tick"/> at <paramref name="now"/> when a deadline is due by then; none otherwise.</summary>
    public static IReadOnlyList<OperationEvent> Pass(OperationState state, TruthPolicy policy, DateTimeOffset now, int policyVersion) =>
        state.NextDeadline is { } due && due <= now
            ? OperationDecider.Decide(state, policy, new Tick(now, policyVersion))
            : [];
}
