using System.Collections.Immutable;
using System.Globalization;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>
/// How sure an outcome is, and what the engine says when it changes. <c>provisional</c>: pending, or a facet the
/// outcome rests on has an open conflict (or a final outcome was changed and nobody has resolved that yet);
/// <c>agreed</c>: every facet it rests on is owner-backed or overridden, with no open conflict; <c>final</c>: it
/// stayed agreed and unchanged for the policy's <c>finalAfter</c> (<see cref="OutcomeFinalized"/>). Agreement is
/// derived from the state (<see cref="OutcomeAgreement"/>), like health; a declaration states the finality the
/// deciding command left it with. A declared outcome that changes is first retracted; retracting a final one
/// opens <c>final-outcome-changed</c>. A final outcome stays final while it holds.
/// </summary>
internal static class OutcomeFinality
{
    /// <summary>Declares a new outcome, retracting the one it replaces (unless that was pending).</summary>
    public static void Declare(Decision d, TruthPolicy policy, string outcome, int? ruleIndex, string reason)
    {
        var previous = d.State.Outcome;
        var wasFinal = d.State.Finalized;
        if (previous != Outcomes.Pending)
        {
            // The finality it had when the command came in (a conflict this decision opened is what takes it back).
            var finality = d.Initial.Outcome == previous ? d.Initial.OutcomeFinality : d.State.OutcomeFinality;
            d.Add(new OutcomeRetracted(previous, finality, reason, d.CausedBy) { At = d.At, PolicyVersion = d.PolicyVersion });
            if (wasFinal)
            {
                d.Open(ConflictKinds.FinalOutcomeChanged, null, [], [previous, outcome],
                    $"The final outcome '{previous}' changed to '{outcome}': {reason}",
                    ConflictDifferences.Of("outcome", ("final", previous), ("now", outcome)));
            }
        }

        var facets = ruleIndex is { } i ? policy.Outcomes[i].When.Keys.Order(StringComparer.Ordinal).ToList() : [];
        var basis = facets.ToImmutableDictionary(f => f, f => d.State.FacetOrEmpty(f).State!);
        d.Add(new OutcomeDeclared(outcome, previous, ruleIndex, basis)
        {
            At = d.At,
            PolicyVersion = d.PolicyVersion,
            Finality = OutcomeAgreement.IsAgreed(d.State, outcome, facets) ? Finalities.Agreed : Finalities.Provisional,
            FinalAfter = policy.FinalAfter is { } after ? policy.FinalAfterText ?? IsoDuration.Format(after) : null,
        });
        FinishJudge.Follow(d, policy);
    }

    /// <summary>
    /// The last step of every decision. With rules that require matches, the outcome is judged again (a mismatch
    /// opening or converging changes it without any facet state changing). A declaration made in this decision then
    /// states the finality the decision leaves it with, so that a conflict the same decision closed does not leave it
    /// provisional on the feed.
    /// </summary>
    public static void Finish(Decision d, TruthPolicy policy)
    {
        if (d.Events.Count == 0)
        {
            return;
        }

        if (policy.RequiresMatches)
        {
            Consequences.DeclareOutcome(d, policy);
            Consequences.Settle(d, policy);
        }

        var declared = DeclaredHere(d);
        if (declared >= 0 && d.Events[declared] is OutcomeDeclared e && e.Finality != d.State.OutcomeFinality)
        {
            d.Replace(declared, e with { Finality = d.State.OutcomeFinality });
        }
    }

    /// <summary>The agreed outcome's <c>finalAfter</c> passed: it is final, unless an earlier deadline of this tick broke its agreement.</summary>
    public static void Finalize(Decision d, DateTimeOffset due)
    {
        var state = d.State;
        if (state.FinalDue == due)
        {
            d.Add(new OutcomeFinalized(state.Outcome, state.OutcomeRuleIndex, due) { At = d.At, PolicyVersion = d.PolicyVersion });
        }
    }

    // The index of the OutcomeDeclared this decision made, when nothing about the outcome followed it; else -1.
    private static int DeclaredHere(Decision d)
    {
        for (var i = d.Events.Count - 1; i >= 0; i--)
        {
            switch (d.Events[i])
            {
                case OutcomeDeclared:
                    return i;
                case OutcomeRetracted or OutcomeFinalized:
                    return -1;
            }
        }

        return -1;
    }

    /// <summary>Why a declared outcome gives way to <paramref name="next"/>: an earlier rule holds now, the first of its facets
    /// left its rule's states, or a mismatch its rule requires absent is open.</summary>
    public static string WhyNot(TruthPolicy policy, OperationState state, string next, int? nextIndex)
    {
        if (state.OutcomeRuleIndex is { } index && index < policy.Outcomes.Count && policy.Outcomes[index].Outcome == state.Outcome)
        {
            var rule = policy.Outcomes[index];
            foreach (var facet in rule.When.Keys.Order(StringComparer.Ordinal))
            {
                var counted = state.FindFacet(facet)?.CountedState;
                if (counted is null || !rule.When[facet].Contains(counted))
                {
                    return $"'{facet}' is {(counted is null ? "not agreed" : $"'{counted}'")}, so rule {index.ToString(CultureInfo.InvariantCulture)} no longer holds; the outcome is now '{next}'.";
                }
            }

            if (nextIndex is { } earlier && earlier < index)
            {
                return $"Rule {earlier.ToString(CultureInfo.InvariantCulture)} ('{next}') comes first and holds now.";
            }

            if (rule.RequireMatches)
            {
                return $"An attribute-mismatch is open on the facets of rule {index.ToString(CultureInfo.InvariantCulture)}; the outcome is now '{next}'.";
            }
        }

        return $"'{state.Outcome}' no longer holds under policy version {state.PolicyVersion.ToString(CultureInfo.InvariantCulture)}; the outcome is now '{next}'.";
    }
}
