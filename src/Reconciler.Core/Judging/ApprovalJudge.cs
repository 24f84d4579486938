using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>
/// Four-eyes approval: a pending resolution (<see cref="ResolutionProposed"/>) takes effect only when a second resolver
/// approves it; then <see cref="OperatorResolved"/> names both. Anyone with the role may reject it, its proposer included
/// (a withdrawal); the conflict then stays open for a new proposal.
/// </summary>
internal static class ApprovalJudge
{
    public static Decision Approve(OperationState state, TruthPolicy policy, ApproveResolution c)
    {
        var pending = PendingOf(state, c.ConflictId);
        if (pending.ProposedBy == c.ApprovedBy)
        {
            throw new CommandRejectedException("same-person",
                $"{c.ApprovedBy} proposed this '{pending.Resolution}' and cannot approve it too: another resolver must.");
        }

        var facetOverride = pending.OverrideFacet is { } facet && pending.OverrideState is { } overrideState ? new FacetOverride(facet, overrideState) : null;

        // The policy may have changed since the proposal: the override must still name a facet state that exists.
        ResolutionJudge.ValidateOverride(policy, pending.Resolution, facetOverride);
        var d = new Decision(state, policy, c.PolicyVersion, c.At, null, null, c.ApprovedBy);
        ResolutionJudge.Resolve(d, policy, new OperatorResolved(c.ConflictId, pending.Resolution, pending.Reason, pending.ProposedBy,
            pending.OverrideFacet, pending.OverrideState)
        { At = c.At, PolicyVersion = c.PolicyVersion, ApprovedBy = c.ApprovedBy, ApprovalReason = c.Reason });
        return d;
    }

    public static Decision Reject(OperationState state, TruthPolicy policy, RejectResolution c)
    {
        var pending = PendingOf(state, c.ConflictId);
        var d = new Decision(state, policy, c.PolicyVersion, c.At, null, null, c.RejectedBy);
        d.Add(new ResolutionRejected(c.ConflictId, pending.Resolution, pending.ProposedBy, c.RejectedBy, c.Reason) { At = c.At, PolicyVersion = c.PolicyVersion });
        return d;
    }

    private static PendingResolution PendingOf(OperationState state, string conflictId) =>
        ResolutionJudge.OpenConflict(state, conflictId).Pending
        ?? throw new CommandRejectedException("no-pending-resolution",
            $"Conflict '{conflictId}' has no pending resolution to approve or reject: a resolution is pending only when the policy asks two resolvers for it.");
}
