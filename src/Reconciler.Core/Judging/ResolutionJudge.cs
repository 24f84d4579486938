using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>An operator resolves an open conflict, with a reason and their identity; an override becomes agreed truth.</summary>
internal static class ResolutionJudge
{
    public static Decision Decide(OperationState state, TruthPolicy policy, ResolveConflict c)
    {
        if (!state.Conflicts.TryGetValue(c.ConflictId, out var record))
        {
            throw new CommandRejectedException("unknown-conflict", $"Operation '{state.OperationId}' has no conflict '{c.ConflictId}'.");
        }

        if (!record.IsOpen)
        {
            throw new CommandRejectedException("conflict-closed",
                $"Conflict '{c.ConflictId}' was already resolved ({record.Resolution}) at {record.ResolvedAt:O}.");
        }

        if (!Resolutions.IsOperatorResolution(c.Resolution))
        {
            throw new CommandRejectedException("invalid-resolution",
                $"Resolution '{c.Resolution}' is not one of accepted, overridden, compensated, dismissed.");
        }

        ValidateOverride(policy, c);
        var d = new Decision(state, c.PolicyVersion, c.At, null, null, c.ResolvedBy);
        var before = c.Override is null ? null : state.FacetOrEmpty(c.Override.Facet).CountedState;
        d.Add(new OperatorResolved(c.ConflictId, c.Resolution, c.Reason, c.ResolvedBy, c.Override?.Facet, c.Override?.State)
        { At = c.At, PolicyVersion = c.PolicyVersion });
        d.Resolve(c.ConflictId, c.Resolution, c.ResolvedBy, c.Reason);
        if (c.Override is not null)
        {
            // An override may make a cross-facet match apply (its facet now has a counted state).
            AttributeReconciler.ReconcileMatches(d, policy, c.Override.Facet);
            Consequences.Follow(d, policy, c.Override.Facet, before);
        }

        return d;
    }

    private static void ValidateOverride(TruthPolicy policy, ResolveConflict c)
    {
        if (c.Resolution != Resolutions.Overridden)
        {
            if (c.Override is not null)
            {
                throw new CommandRejectedException("invalid-override", $"Only an 'overridden' resolution takes an override, not '{c.Resolution}'.");
            }

            return;
        }

        if (c.Override is null)
        {
            throw new CommandRejectedException("invalid-override", "An 'overridden' resolution needs an override { facet, state }.");
        }

        var facet = policy.FindFacet(c.Override.Facet)
            ?? throw new CommandRejectedException("invalid-override", $"The policy has no facet '{c.Override.Facet}'.");
        if (!facet.States.Contains(c.Override.State))
        {
            throw new CommandRejectedException("invalid-override",
                $"Facet '{c.Override.Facet}' has no state '{c.Override.State}'; use one of {string.Join(", ", facet.States)}.");
        }
    }
}
