using System.Collections.Immutable;
using Reconciler.Core.Judging;

namespace Reconciler.Core.State;

/// <summary>
/// Whether the outcome is agreed: it is not pending, every facet it rests on is owner-backed or overridden, and no
/// open conflict concerns one of them (nor is a changed final outcome waiting for an operator). Evolve keeps
/// <see cref="OperationState.AgreedSince"/> by it after every event that can change it (conflicts opening and
/// closing, outcomes declared), so that the <c>finalAfter</c> deadline is a pure function of the events.
/// </summary>
internal static class OutcomeAgreement
{
    public static bool IsAgreed(OperationState state, string outcome, IReadOnlyList<string> facets)
    {
        if (outcome == Outcomes.Pending)
        {
            return false;
        }

        for (var i = 0; i < facets.Count; i++)
        {
            if (state.FindFacet(facets[i])?.CountedState is null)
            {
                return false;
            }
        }

        return state.OpenConflictCount == 0 || !AnyOpenConflictOn(state, facets);
    }

    /// <summary>The state with <see cref="OperationState.AgreedSince"/> brought up to date at <paramref name="at"/>.</summary>
    public static OperationState Update(OperationState s, DateTimeOffset at)
    {
        if (s.Finalized || (s.Outcome == Outcomes.Pending && s.AgreedSince is null))
        {
            return s;
        }

        DateTimeOffset? since = IsAgreed(s, s.Outcome, s.OutcomeFacets) ? s.AgreedSince ?? at : null;
        return since == s.AgreedSince ? s : s with { AgreedSince = since };
    }

    private static bool AnyOpenConflictOn(OperationState state, IReadOnlyList<string> facets)
    {
        foreach (var (_, conflict) in state.Conflicts)
        {
            if (!conflict.IsOpen)
            {
                continue;
            }

            if (conflict.Kind == ConflictKinds.FinalOutcomeChanged)
            {
                return true;
            }

            for (var i = 0; i < facets.Count; i++)
            {
                if (conflict.Concerns(facets[i]))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
