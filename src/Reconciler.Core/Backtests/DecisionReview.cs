using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;
using Reconciler.Core.WhatIf;

namespace Reconciler.Core.Backtests;

/// <summary>
/// The decisions people took on an operation (its <see cref="OperatorResolved"/> events) that a candidate would not let stand.
/// The what-if replay replays a resolution only while its conflict is open with nothing waiting for approval and its override is
/// valid (<see cref="WhatIfReplay"/>); a decision it replayed stands unless the conflict itself differs under the candidate.
/// </summary>
public static class DecisionReview
{
    public static ImmutableList<DecisionAtRisk> AtRisk(
        string operationId, IReadOnlyList<OperationEvent> history, OperationState today, WhatIfResult replay, TruthPolicy candidate)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(today);
        ArgumentNullException.ThrowIfNull(replay);
        ArgumentNullException.ThrowIfNull(candidate);
        var atRisk = ImmutableList.CreateBuilder<DecisionAtRisk>();
        foreach (var e in history)
        {
            if (e is not OperatorResolved decided)
            {
                continue;
            }

            var now = replay.State.Conflicts.GetValueOrDefault(decided.ConflictId);
            if (Risk(decided, today.Conflicts.GetValueOrDefault(decided.ConflictId), now, replay.Events, candidate) is not { } risk)
            {
                continue;
            }

            atRisk.Add(new DecisionAtRisk(
                operationId,
                decided.ConflictId,
                today.Conflicts.GetValueOrDefault(decided.ConflictId)?.Kind ?? KindOf(decided.ConflictId),
                decided.ApprovedBy is not null ? Decisions.Approval : decided.Resolution == Resolutions.Overridden ? Decisions.Override : Decisions.Resolution,
                decided.Resolution,
                decided.ResolvedBy,
                decided.At,
                decided.Reason,
                risk,
                now is null ? null : $"{now.Kind} {now.Status}")
            {
                ApprovedBy = decided.ApprovedBy,
                ApprovalReason = decided.ApprovalReason,
                OverrideFacet = decided.OverrideFacet,
                OverrideState = decided.OverrideState,
            });
        }

        return atRisk.ToImmutable();
    }

    private static string? Risk(OperatorResolved decided, ConflictRecord? today, ConflictRecord? now, ImmutableList<OperationEvent> replayed, TruthPolicy candidate)
    {
        // Replayed as decided (an approval replays as a proposal and its approval: the resolution is what counts).
        if (replayed.Any(e => e is OperatorResolved r && r.ConflictId == decided.ConflictId && r.At == decided.At && r.ResolvedBy == decided.ResolvedBy))
        {
            return Differs(today, now) ? DecisionRisks.ConflictDiffers : null;
        }

        if (replayed.Any(e => e is ResolutionProposed p && p.ConflictId == decided.ConflictId && p.At == decided.At && p.ProposedBy == decided.ResolvedBy))
        {
            return DecisionRisks.NeedsApproval;
        }

        return now is null ? DecisionRisks.ConflictNotRecorded
            : decided.OverrideFacet is { } facet && candidate.FindFacet(facet)?.States.Contains(decided.OverrideState ?? "") != true ? DecisionRisks.OverrideInvalid
            : DecisionRisks.ConflictNotOpen;
    }

    // What the decision was about: the states compared, the sources, and whether it still stands closed (or came back).
    private static bool Differs(ConflictRecord? today, ConflictRecord? now) =>
        today is null || now is null
        || !today.States.SequenceEqual(now.States)
        || !today.Sources.SequenceEqual(now.Sources)
        || today.Status != now.Status;

    // A conflict id is "<kind>-<16 hex digits>" (ConflictIds).
    private static string KindOf(string conflictId) => conflictId.Length > 17 ? conflictId[..^17] : conflictId;
}
