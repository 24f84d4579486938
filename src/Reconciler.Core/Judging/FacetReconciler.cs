using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>
/// After a claim on a facet changed: which pairs of sources now disagree (a divergence starts, with a
/// grace window) and which agree again (the divergence ends, an open conflict converges). O(claims on the facet).
/// </summary>
internal static class FacetReconciler
{
    public static void Reconcile(Decision d, TruthPolicy policy, string facetName)
    {
        var facetPolicy = policy.FindFacet(facetName);
        if (facetPolicy is null)
        {
            return;
        }

        if (facetPolicy.Owner is { } owner)
        {
            ReconcileOwned(d, policy, facetName, owner);
        }
        else
        {
            ReconcileUnowned(d, policy, facetName);
        }
    }

    private static void ReconcileOwned(Decision d, TruthPolicy policy, string facetName, string owner)
    {
        var facet = d.State.FacetOrEmpty(facetName);
        var ownerClaim = facet.ClaimOf(owner);
        for (var i = 0; i < facet.Claims.Count; i++)
        {
            var claim = facet.Claims[i];
            var differs = ownerClaim is not null && ownerClaim.State != claim.State;
            if (claim.Source == owner || (!differs && d.State.Divergences.IsEmpty && d.State.OpenConflictCount == 0))
            {
                // Agreement with nothing pending or open has nothing to end.
                continue;
            }

            var (first, second) = string.CompareOrdinal(owner, claim.Source) < 0 ? (owner, claim.Source) : (claim.Source, owner);
            var id = ConflictIds.ForPair(d.State.OperationId, ConflictKinds.Disagreement, facetName, first, second);
            if (differs)
            {
                if (!IsDiverging(d, id))
                {
                    Start(d, policy, id, ConflictKinds.Disagreement, facetName, [first, second], [ownerClaim!.State, claim.State]);
                }
            }
            else
            {
                End(d, id, facetName);
            }
        }
    }

    private static void ReconcileUnowned(Decision d, TruthPolicy policy, string facetName)
    {
        var facet = d.State.FacetOrEmpty(facetName);
        var states = facet.Claims.Select(c => c.State).Distinct(StringComparer.Ordinal).ToImmutableList();
        string? current = null;
        if (states.Count > 1)
        {
            var sources = facet.Claims.Select(c => c.Source).Order(StringComparer.Ordinal).ToImmutableList();
            current = d.IdFor(ConflictKinds.Unowned, facetName, sources);
            if (!IsDiverging(d, current))
            {
                Start(d, policy, current, ConflictKinds.Unowned, facetName, sources, states);
            }
        }

        // Any other divergence or conflict on this unowned facet is over: agreed, or superseded by the current set of sources.
        foreach (var divergence in d.State.Divergences.Values.Where(x => x.Facet == facetName && x.Kind == ConflictKinds.Unowned && x.ConflictId != current).ToList())
        {
            End(d, divergence.ConflictId, facetName);
        }

        if (current is null)
        {
            foreach (var open in d.State.Conflicts.Values.Where(c => c.IsOpen && c.Kind == ConflictKinds.Unowned && c.Facet == facetName).ToList())
            {
                d.Resolve(open.ConflictId, Resolutions.Converged, null, null);
            }
        }
    }

    public static bool IsDiverging(Decision d, string id) => d.State.Divergences.ContainsKey(id) || d.State.IsConflictOpen(id);

    private static void Start(Decision d, TruthPolicy policy, string id, string kind, string facetName,
        ImmutableList<string> sources, ImmutableList<string> states)
    {
        d.Add(new DivergenceStarted(id, kind, facetName, sources, states, d.At + policy.GraceFor(facetName), d.CauseSource ?? "", d.CauseSignalId ?? "")
        { At = d.At, PolicyVersion = d.PolicyVersion });
    }

    /// <summary>The sources agree again: a divergence inside its window ends, an open conflict converges.</summary>
    public static void End(Decision d, string id, string facetName)
    {
        if (!d.State.Divergences.IsEmpty && d.State.Divergences.ContainsKey(id))
        {
            d.Add(new DivergenceEnded(id, facetName, d.CauseSource ?? "", d.CauseSignalId ?? "") { At = d.At, PolicyVersion = d.PolicyVersion });
        }

        d.ResolveIfOpen(id, Resolutions.Converged);
    }
}
