using System.Collections.Immutable;
using System.Globalization;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.Views;

namespace Reconciler.Core.Judging;

/// <summary>
/// A tick is the engine observing the time: every deadline due by then passes, in due order, and is
/// recorded with the tick's time. A tick before any deadline decides nothing.
/// </summary>
internal static class DeadlineJudge
{
    public const string Grace = "grace";
    public const string ExpectationDeadline = "expectation";

    public static Decision Decide(OperationState state, TruthPolicy policy, Tick tick)
    {
        var d = new Decision(state, tick.PolicyVersion, tick.Now, null, null);
        if (state.NextDeadline is not { } next || next > tick.Now)
        {
            return d;
        }

        foreach (var gone in state.Expectations.Where(x => x.ConflictId is null && x.Due <= tick.Now && x.Index >= policy.Expectations.Count))
        {
            d.Add(new ExpectationWithdrawn(gone.Index, $"Policy version {tick.PolicyVersion} declares no expectation #{gone.Index}.")
            { At = d.At, PolicyVersion = d.PolicyVersion });
        }

        var due = state.Divergences.Values
            .Where(x => x.Due <= tick.Now)
            .Select(x => (x.Due, Key: "g:" + x.ConflictId, Divergence: (Divergence?)x, Armed: (ArmedExpectation?)null))
            .Concat(state.Expectations
                .Where(x => x.ConflictId is null && x.Due <= tick.Now && x.Index < policy.Expectations.Count)
                .Select(x => (x.Due, Key: "e:" + x.Index.ToString("D6", CultureInfo.InvariantCulture), Divergence: (Divergence?)null, Armed: (ArmedExpectation?)x)))
            .OrderBy(x => x.Due)
            .ThenBy(x => x.Key, StringComparer.Ordinal)
            .ToList();
        foreach (var (_, _, divergence, armed) in due)
        {
            if (divergence is not null)
            {
                PassGrace(d, divergence);
            }
            else
            {
                PassExpectation(d, policy, armed!);
            }
        }

        return d;
    }

    private static void PassGrace(Decision d, Divergence x)
    {
        d.Add(new DeadlinePassed(Grace, x.ConflictId, x.Facet, x.Due, null) { At = d.At, PolicyVersion = d.PolicyVersion });
        var detail = x.Kind == ConflictKinds.Unowned
            ? $"Nobody owns '{x.Facet}' and {string.Join(", ", x.Sources)} still disagree past the grace window."
            : $"{string.Join(" and ", x.Sources)} still disagree on '{x.Facet}' past the grace window.";
        d.Open(x.Kind, x.Facet, x.Sources, x.States, detail);
    }

    private static void PassExpectation(Decision d, TruthPolicy policy, ArmedExpectation armed)
    {
        var x = policy.Expectations[armed.Index];
        d.Add(new DeadlinePassed(ExpectationDeadline, armed.Index.ToString(CultureInfo.InvariantCulture), x.Expect.Facet ?? x.When.Facet, armed.Due, armed.Index)
        { At = d.At, PolicyVersion = d.PolicyVersion });
        var trigger = armed.TriggerSource is null ? ImmutableList<string>.Empty : [armed.TriggerSource];
        var discriminator = "expectation:" + armed.Index.ToString(CultureInfo.InvariantCulture);
        if (x.Expect.IsOutcome)
        {
            d.Open(ConflictKinds.PrematureEffect, x.When.Facet, trigger, [x.When.State, d.State.Outcome],
                $"'{x.When.Facet}' became '{x.When.State}' but the outcome was not '{x.Expect.Outcome}' within {x.WithinText}.",
                armed.Index, discriminator);
            return;
        }

        var target = d.State.FacetOrEmpty(x.Expect.Facet!);
        var owner = policy.FindFacet(x.Expect.Facet!)?.Owner;
        if (target.Claims.IsEmpty && target.State is null)
        {
            var sources = owner is null ? trigger : Sorted(trigger.Add(owner));
            d.Open(ConflictKinds.Missing, x.Expect.Facet, sources, [x.Expect.State!],
                $"'{x.When.Facet}' became '{x.When.State}' but nobody reported '{x.Expect.Facet}' within {x.WithinText}.",
                armed.Index, discriminator);
            return;
        }

        var reporters = target.Source is { } s ? [s] : target.Claims.Select(c => c.Source);
        d.Open(ConflictKinds.Disagreement, x.Expect.Facet, Sorted(trigger.AddRange(reporters)), [x.Expect.State!, target.State ?? "none"],
            $"'{x.When.Facet}' became '{x.When.State}' but '{x.Expect.Facet}' is '{target.State ?? "not agreed"}', not '{x.Expect.State}', after {x.WithinText}.",
            armed.Index, discriminator);
    }

    private static ImmutableList<string> Sorted(IEnumerable<string> sources) =>
        sources.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableList();
}
