using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>
/// An operator resolves an open conflict, with a reason and their identity; an override becomes agreed truth. When the
/// policy's <c>approvals</c> asks two resolvers for this resolution, it is only proposed (<see cref="ResolutionProposed"/>)
/// and <see cref="ApprovalJudge"/> takes it from there.
/// </summary>
internal static class ResolutionJudge
{
    public static Decision Decide(OperationState state, TruthPolicy policy, ResolveConflict c)
    {
        var record = OpenConflict(state, c.ConflictId);
        if (record.Pending is { } pending)
        {
            throw new CommandRejectedException("proposal-pending",
                $"Conflict '{c.ConflictId}' has a pending '{pending.Resolution}' proposed by {pending.ProposedBy}; approve or reject it first.");
        }

        if (!Resolutions.IsOperatorResolution(c.Resolution))
        {
            throw new CommandRejectedException("invalid-resolution",
                $"Resolution '{c.Resolution}' is not one of accepted, overridden, compensated, dismissed.");
        }

        ValidateOverride(policy, c.Resolution, c.Override);
        var d = new Decision(state, policy, c.PolicyVersion, c.At, null, null, c.ResolvedBy);
        var approvals = policy.ApprovalsFor(c.Resolution);
        if (approvals > 1)
        {
            d.Add(new ResolutionProposed(c.ConflictId, c.Resolution, c.Reason, c.ResolvedBy, c.Override?.Facet, c.Override?.State, approvals)
            { At = c.At, PolicyVersion = c.PolicyVersion });
            return d;
        }

        Resolve(d, policy, new OperatorResolved(c.ConflictId, c.Resolution, c.Reason, c.ResolvedBy, c.Override?.Facet, c.Override?.State)
        { At = c.At, PolicyVersion = c.PolicyVersion });
        return d;
    }

    /// <summary>Records the operator's resolution, closes the conflict and follows an override's consequences.</summary>
    internal static void Resolve(Decision d, TruthPolicy policy, OperatorResolved resolved)
    {
        var before = resolved.OverrideFacet is null ? null : d.State.FacetOrEmpty(resolved.OverrideFacet).CountedState;
        d.Add(resolved);
        d.Resolve(resolved.ConflictId, resolved.Resolution, resolved.ResolvedBy, resolved.Reason, resolved.ApprovedBy);
        if (resolved.OverrideFacet is { } facet)
        {
            // An override may make a cross-facet match apply (its facet now has a counted state).
            AttributeReconciler.ReconcileMatches(d, policy, facet);
            Consequences.Follow(d, policy, facet, before);
        }
    }

    internal static ConflictRecord OpenConflict(OperationState state, string conflictId)
    {
        if (!state.Conflicts.TryGetValue(conflictId, out var record))
        {
            throw new CommandRejectedException("unknown-conflict", $"Operation '{state.OperationId}' has no conflict '{conflictId}'.");
        }

        if (!record.IsOpen)
        {
            throw new CommandRejectedException("conflict-closed",
                $"Conflict '{conflictId}' was already resolved ({record.Resolution}) at {record.ResolvedAt:O}.");
        }

        return record;
    }

    internal static void ValidateOverride(TruthPolicy policy, string resolution, FacetOverride? facetOverride)
    {
        if (resolution != Resolutions.Overridden)
        {
            if (facetOverride is not null)
            {
                throw new CommandRejectedException("invalid-override", $"Only an 'overridden' resolution takes an override, not '{resolution}'.");
            }

            return;
        }

        if (facetOverride is null)
        {
            throw new CommandRejectedException("invalid-override", "An 'overridden' resolution needs an override { facet, state }.");
        }

        var facet = policy.FindFacet(facetOverride.Facet)
            ?? throw new CommandRejectedException("invalid-override", $"The policy has no facet '{facetOverride.Facet}'.");
        if (!facet.States.Contains(facetOverride.State))
        {
            throw new CommandRejectedException("invalid-override",
                $"Facet '{facetOverride.Facet}' has no state '{facetOverride.State}'; use one of {string.Join(", ", facet.States)}.");
        }
    }
}
