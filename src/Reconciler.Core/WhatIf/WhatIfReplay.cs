using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.WhatIf;

public sealed record WhatIfResult(OperationState State, ImmutableList<OperationEvent> Events, ImmutableList<WhatIfChange> Changes)
{
    /// <summary>Today's truth, the fold of the stored history the changes are counted against (the backtest compares both).</summary>
    public OperationState Today { get; init; } = OperationState.Initial;
}

/// <summary>One difference against today's truth. <c>What</c>: outcome, finality, facet, conflict or assignee (the team a conflict found
/// in both is assigned to); <c>Subject</c>: the facet or conflict id (<c>outcome</c> for the outcome and its finality).</summary>
public sealed record WhatIfChange(string What, string Subject, string? Before, string? After);

/// <summary>
/// Re-judges an operation's signals under another policy: the signals in their order of arrival, the
/// operator resolutions that still apply, what people did with conflicts still open (acknowledged, snoozed,
/// handed to another team), and ticks at the deadlines that policy creates between signals and up to
/// <c>now</c>. Nothing is stored; the result is compared with today's truth.
/// </summary>
public static class WhatIfReplay
{
    /// <summary>The policy version a candidate is judged as: it is not stored, so it has none.</summary>
    public const int CandidateVersion = 0;

    public static WhatIfResult Run(IReadOnlyList<OperationEvent> history, TruthPolicy policy, int policyVersion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(policy);
        var state = OperationState.Initial;
        var receipts = new SignalReceipts();
        var events = ImmutableList.CreateBuilder<OperationEvent>();
        void Apply(Command command)
        {
            IReadOnlyList<OperationEvent> decided;
            (decided, state) = OperationDecider.Handle(state, policy, command);
            events.AddRange(decided);
            foreach (var e in decided)
            {
                receipts.Record(e);
            }
        }

        void TickUntil(DateTimeOffset time)
        {
            while (state.NextDeadline is { } due && due <= time)
            {
                var version = state.Version;
                Apply(new Tick(due, policyVersion));
                if (state.Version == version)
                {
                    break; // a tick that decides nothing would decide nothing again
                }
            }
        }

        foreach (var e in history)
        {
            var command = e switch
            {
                SignalReceived r => new ReceiveSignal(SignalReceipts.SignalOf(r), r.Source, r.At, policyVersion,
                    receipts.Find(r.Source, r.SignalId), receipts.FindSignal(r.Source, r.SignalId)),
                SignalDuplicated r => new ReceiveSignal(new Signal(r.OperationId, r.OperationType, r.SignalId, r.Facet, r.State, r.ObservedAt,
                    r.SourceSequence, r.EffectKey, r.AttributesJson, r.CorrelationId, r.CausationId), r.Source, r.At, policyVersion,
                    receipts.Find(r.Source, r.SignalId), receipts.FindSignal(r.Source, r.SignalId)),
                OperatorResolved r => new ResolveConflict(r.ConflictId, r.Resolution, r.Reason, r.ResolvedBy,
                    r.OverrideFacet is null || r.OverrideState is null ? null : new FacetOverride(r.OverrideFacet, r.OverrideState), r.At, policyVersion),
                ConflictAcknowledged r => new AcknowledgeConflict(r.ConflictId, r.AcknowledgedBy, r.At, policyVersion),
                ConflictSnoozed r => new SnoozeConflict(r.ConflictId, r.Until, r.Reason, r.SnoozedBy, r.At, policyVersion),
                ConflictAssigned r => new AssignConflict(r.ConflictId, r.Assignee, r.Reason, r.AssignedBy, r.At, policyVersion),
                _ => (Command?)null,
            };
            if (command is null)
            {
                continue;
            }

            TickUntil(e.At);
            if ((command is ResolveConflict && !StillApplies(state, policy, (OperatorResolved)e)) || !StillApplies(state, command))
            {
                continue;
            }

            Apply(command);
            if (e is OperatorResolved { ApprovedBy: { } approvedBy } approved && state.Conflicts[approved.ConflictId].Pending is not null)
            {
                // Approved by a second resolver then: under a policy that asks for two, the approval replays as well.
                Apply(new ApproveResolution(approved.ConflictId, approved.ApprovalReason ?? approved.Reason, approvedBy, e.At, policyVersion));
            }
        }

        TickUntil(now);
        var today = OperationDecider.Fold(history);
        return new WhatIfResult(state, events.ToImmutable(), Compare(today, state)) { Today = today };
    }

    // An operator's resolution replays only while its conflict is open, no earlier resolution of it waits for approval (one that
    // needs a second resolver under the new policy), and its override is valid under the new policy.
    private static bool StillApplies(OperationState state, TruthPolicy policy, OperatorResolved r) =>
        state.Conflicts.GetValueOrDefault(r.ConflictId) is { IsOpen: true, Pending: null }
        && (r.OverrideFacet is null || policy.FindFacet(r.OverrideFacet)?.States.Contains(r.OverrideState ?? "") == true);

    // What people did with a conflict replays only while it is open; a handover only when the candidate did not assign it there already.
    private static bool StillApplies(OperationState state, Command command) => command switch
    {
        AcknowledgeConflict c => state.IsConflictOpen(c.ConflictId),
        SnoozeConflict c => state.IsConflictOpen(c.ConflictId),
        AssignConflict c => state.IsConflictOpen(c.ConflictId) && state.Conflicts[c.ConflictId].Assignee != c.Assignee,
        _ => true,
    };

    public static ImmutableList<WhatIfChange> Compare(OperationState before, OperationState after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = ImmutableList.CreateBuilder<WhatIfChange>();
        if (before.Outcome != after.Outcome)
        {
            changes.Add(new WhatIfChange("outcome", "outcome", before.Outcome, after.Outcome));
        }

        if (before.OutcomeFinality != after.OutcomeFinality)
        {
            changes.Add(new WhatIfChange("finality", "outcome", before.OutcomeFinality, after.OutcomeFinality));
        }

        foreach (var facet in before.Facets.Keys.Union(after.Facets.Keys).Order(StringComparer.Ordinal))
        {
            var was = Describe(before.Facets.GetValueOrDefault(facet));
            var will = Describe(after.Facets.GetValueOrDefault(facet));
            if (was != will)
            {
                changes.Add(new WhatIfChange("facet", facet, was, will));
            }
        }

        foreach (var id in before.Conflicts.Keys.Union(after.Conflicts.Keys).Order(StringComparer.Ordinal))
        {
            var was = Describe(before.Conflicts.GetValueOrDefault(id));
            var will = Describe(after.Conflicts.GetValueOrDefault(id));
            if (was != will)
            {
                changes.Add(new WhatIfChange("conflict", id, was, will));
            }

            // Who would answer for it (a conflict found on one side only is a change of its own already).
            if (before.Conflicts.GetValueOrDefault(id) is { } then && after.Conflicts.GetValueOrDefault(id) is { } now && then.Assignee != now.Assignee)
            {
                changes.Add(new WhatIfChange("assignee", id, then.Assignee, now.Assignee));
            }
        }

        return changes.ToImmutable();
    }

    private static string? Describe(FacetTruth? f) => f?.State is null ? null : $"{f.State} ({f.Basis})";

    private static string? Describe(ConflictRecord? c) => c is null ? null : $"{c.Kind} {c.Status}";
}
