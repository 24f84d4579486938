using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>
/// "Doesn't finish" is a conflict. Under a policy with <c>accountability.finishWithin</c>, an operation whose outcome is pending
/// gets a finish clock (<see cref="FinishClockStarted"/>: due <c>finishWithin</c> after its first signal); a declared outcome
/// stops it. When it passes with the outcome still pending, an <c>unfinished</c> conflict (high) opens, naming the facets that
/// hold the outcome back; it closes by itself (<c>finished</c>) when an outcome is declared, and reopens when the outcome goes
/// back to pending later.
/// </summary>
internal static class FinishJudge
{
    /// <summary>The last step of a decision that decided something: the clock starts once the operation has a first signal, no
    /// outcome and a policy that asks for one. It counts from the first signal even when the policy asked later.</summary>
    public static void Arm(Decision d, TruthPolicy policy)
    {
        var s = d.State;
        if (d.Events.Count == 0 || policy.Accountability.FinishWithin is not { } within || s.FinishDue is not null
            || s.StartedAt is not { } since || s.Outcome != Outcomes.Pending)
        {
            return;
        }

        d.Add(new FinishClockStarted(since, since + within.Duration, within.Text) { At = d.At, PolicyVersion = d.PolicyVersion });
    }

    /// <summary>The finish deadline passed (observed at the tick): with the outcome still pending, <c>unfinished</c> opens (unless
    /// the policy version of the tick no longer asks for an outcome in time).</summary>
    public static void Pass(Decision d, TruthPolicy policy, DateTimeOffset due)
    {
        if (d.State.FinishDeadline != due)
        {
            return;
        }

        d.Add(new DeadlinePassed(DeadlineKinds.Finish, "outcome", null, due, null) { At = d.At, PolicyVersion = d.PolicyVersion });
        if (policy.Accountability.FinishWithin is not null)
        {
            Open(d, policy);
        }
    }

    /// <summary>After an outcome was declared: a declared outcome closes <c>unfinished</c>; back to pending once the finish deadline
    /// has passed, the operation is unfinished again.</summary>
    public static void Follow(Decision d, TruthPolicy policy)
    {
        if (d.State.Outcome != Outcomes.Pending)
        {
            d.ResolveIfOpen(d.IdFor(ConflictKinds.Unfinished, null, []), Resolutions.Finished);
        }
        else if (d.State.FinishPassed && policy.Accountability.FinishWithin is not null)
        {
            Open(d, policy);
        }
    }

    private static void Open(Decision d, TruthPolicy policy)
    {
        var s = d.State;
        var within = s.FinishDue is { } due && s.StartedAt is { } since ? IsoDuration.Format(due - since) : policy.Accountability.FinishWithin!.Text;
        var holdouts = Holdouts(policy, s);
        var why = holdouts.Count == 0
            ? "no outcome rule holds on the agreed states"
            : string.Join("; ", holdouts.Select(h => h.Phrase));
        ImmutableList<Difference> differences = [.. holdouts.Select(h => h.Difference)];
        d.Open(ConflictKinds.Unfinished, null, [], [Outcomes.Pending], $"No outcome within {within} of the first signal: {why}.", differences);
    }

    /// <summary>The facets that hold the outcome back, in the policy's order: a facet some outcome rule names whose counted state is
    /// none or one no rule takes (missing), and a facet whose sources disagree (a divergence inside its grace window, or an open
    /// disagreement, unowned or attribute-mismatch conflict on it).</summary>
    private static List<(string Phrase, Difference Difference)> Holdouts(TruthPolicy policy, OperationState s)
    {
        var holdouts = new List<(string, Difference)>();
        foreach (var facet in policy.FacetNames)
        {
            var accepted = policy.Outcomes.Where(r => r.When.ContainsKey(facet)).SelectMany(r => r.When[facet]).Distinct(StringComparer.Ordinal).ToList();
            var truth = s.FacetOrEmpty(facet);
            var counted = truth.CountedState;
            var missing = accepted.Count > 0 && (counted is null || !accepted.Contains(counted));
            var disagreeing = s.Divergences.Values.Any(x => x.Facet == facet || x.Facets?.Contains(facet) == true)
                || s.OpenConflicts.Any(c => (c.Kind is ConflictKinds.Disagreement or ConflictKinds.Unowned or ConflictKinds.AttributeMismatch) && c.Concerns(facet));
            if (!missing && !disagreeing)
            {
                continue;
            }

            var phrase = !missing ? $"'{facet}' is disagreeing"
                : counted is not null ? $"'{facet}' is '{counted}'"
                : truth.Claims.IsEmpty ? $"'{facet}' was never reported"
                : $"'{facet}' is not agreed";
            holdouts.Add((missing && disagreeing ? phrase + ", with sources disagreeing" : phrase, Claims(policy, facet, truth, accepted)));
        }

        return holdouts;
    }

    // What the rules expect of the facet (when they name it) and what each source claims; the owner as null when nobody spoke.
    private static Difference Claims(TruthPolicy policy, string facet, FacetTruth truth, List<string> accepted)
    {
        var values = ImmutableList.CreateBuilder<DifferenceValue>();
        if (accepted.Count > 0)
        {
            values.Add(new(ConflictDifferences.Expected, "[" + string.Join(",", accepted.Select(Difference.Quote)) + "]"));
        }

        if (truth.Basis == Bases.Override && truth.Source is { } by)
        {
            values.Add(new(by, Difference.Quote(truth.State)));
        }

        foreach (var claim in truth.Claims)
        {
            if (!values.Exists(v => v.Key == claim.Source))
            {
                values.Add(new(claim.Source, Difference.Quote(claim.State)));
            }
        }

        if (truth.Claims.IsEmpty && truth.Basis != Bases.Override)
        {
            values.Add(new(policy.FindFacet(facet)?.Owner ?? "owner", "null"));
        }

        return new Difference("state", values.ToImmutable()) { Facets = [facet] };
    }
}
