using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>What follows a change of agreed truth: the outcome, then expectations armed and met.</summary>
internal static class Consequences
{
    public static void Follow(Decision d, TruthPolicy policy, string changedFacet, string? countedBefore)
    {
        // Outcome and expectations rest on counted states only: when the changed facet's did not change, nothing follows.
        if (d.State.FacetOrEmpty(changedFacet).CountedState == countedBefore)
        {
            return;
        }

        DeclareOutcome(d, policy);
        Arm(d, policy, changedFacet, countedBefore);
        Settle(d, policy);
    }

    /// <summary>First matching rule wins; only owner-backed or overridden states count; none → pending.</summary>
    public static (string Outcome, int? RuleIndex) Evaluate(TruthPolicy policy, OperationState state)
    {
        for (var i = 0; i < policy.Outcomes.Count; i++)
        {
            if (Holds(policy.Outcomes[i], state))
            {
                return (policy.Outcomes[i].Outcome, i);
            }
        }

        return (Outcomes.Pending, null);
    }

    private static bool Holds(OutcomeRule rule, OperationState state)
    {
        foreach (var (facet, states) in rule.When)
        {
            var counted = state.FindFacet(facet)?.CountedState;
            if (counted is null || !states.Contains(counted))
            {
                return false;
            }
        }

        return !rule.RequireMatches || !MismatchOpenOn(rule, state);
    }

    private static bool MismatchOpenOn(OutcomeRule rule, OperationState state)
    {
        if (state.OpenConflictCount == 0)
        {
            return false;
        }

        foreach (var (_, conflict) in state.Conflicts)
        {
            if (conflict.IsOpen && conflict.Kind == ConflictKinds.AttributeMismatch && rule.When.Keys.Any(conflict.Concerns))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Declares the outcome when the rules give another one than the state has (retracting the one it replaces).</summary>
    public static void DeclareOutcome(Decision d, TruthPolicy policy)
    {
        var (outcome, index) = Evaluate(policy, d.State);
        if (outcome == d.State.Outcome)
        {
            return;
        }

        OutcomeFinality.Declare(d, policy, outcome, index, OutcomeFinality.WhyNot(policy, d.State, outcome, index));
    }

    private static void Arm(Decision d, TruthPolicy policy, string changedFacet, string? countedBefore)
    {
        var facet = d.State.FacetOrEmpty(changedFacet);
        var counted = facet.CountedState;
        if (counted is null || counted == countedBefore)
        {
            return;
        }

        for (var i = 0; i < policy.Expectations.Count; i++)
        {
            var x = policy.Expectations[i];
            if (x.When.Facet != changedFacet || x.When.State != counted || IsArmed(d.State, i) || IsMet(x, d.State))
            {
                continue;
            }

            d.Add(new ExpectationArmed(i, x.When.Facet, x.When.State, x.Expect.Facet, x.Expect.State, x.Expect.Outcome, d.At + x.Within,
                facet.Source, d.CauseSignalId) { At = d.At, PolicyVersion = d.PolicyVersion });
        }
    }

    private static bool IsArmed(OperationState state, int index)
    {
        // Indexed loops: an ImmutableList enumerator costs more than these few items.
        for (var i = 0; i < state.Expectations.Count; i++)
        {
            if (state.Expectations[i].Index == index)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Armed expectations whose target holds now are met; a conflict their deadline opened converges.</summary>
    public static void Settle(Decision d, TruthPolicy policy)
    {
        if (d.State.Expectations.IsEmpty)
        {
            return;
        }

        var expectations = d.State.Expectations;
        for (var i = 0; i < expectations.Count; i++)
        {
            var armed = expectations[i];
            if (armed.Index >= policy.Expectations.Count || !IsMet(policy.Expectations[armed.Index], d.State))
            {
                continue;
            }

            var x = policy.Expectations[armed.Index];
            d.Add(new ExpectationMet(armed.Index, x.Expect.Facet, x.Expect.State, x.Expect.Outcome) { At = d.At, PolicyVersion = d.PolicyVersion });
            if (armed.ConflictId is not null)
            {
                d.ResolveIfOpen(armed.ConflictId, Resolutions.Converged);
            }
        }
    }

    public static bool IsMet(Expectation x, OperationState state) =>
        x.Expect.IsOutcome
            ? state.Outcome == x.Expect.Outcome
            : x.Expect.Facet is { } f && state.FindFacet(f)?.CountedState == x.Expect.State;
}
