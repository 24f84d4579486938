using System.Collections.Immutable;
using System.Globalization;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>
/// A tick is the engine observing the time: every deadline due by then passes, in due order, and is
/// recorded with the tick's time. A tick before any deadline decides nothing.
/// </summary>
internal static class DeadlineJudge
{
    public const string Grace = DeadlineKinds.Grace;
    public const string ExpectationDeadline = DeadlineKinds.Expectation;

    // Sorts after the grace ("g:") and expectation ("e:") keys: a conflict due at the same instant comes first.
    private const string FinalKey = "z:final";

    // The finish clock sorts after the conflicts a grace window or an expectation opens at the same instant, so that the
    // unfinished conflict names them; a conflict's due ("o:") after those too.
    private const string FinishKey = "h:finish";
    private const string ConflictKeyPrefix = "o:";

    public static Decision Decide(OperationState state, TruthPolicy policy, Tick tick)
    {
        var d = new Decision(state, policy, tick.PolicyVersion, tick.Now, null, null);
        if (state.NextDeadline is not { } next || next > tick.Now)
        {
            return d;
        }

        foreach (var gone in state.Expectations.Where(x => x.ConflictId is null && x.Due <= tick.Now && x.Index >= policy.Expectations.Count))
        {
            d.Add(new ExpectationWithdrawn(gone.Index, $"Policy version {tick.PolicyVersion} declares no expectation #{gone.Index}.")
            { At = d.At, PolicyVersion = d.PolicyVersion });
        }

        foreach (var due in Due(state, policy, tick.Now).OrderBy(x => x.At).ThenBy(x => x.Key, StringComparer.Ordinal))
        {
            if (due.Divergence is { } divergence)
            {
                PassGrace(d, policy, divergence);
            }
            else if (due.Armed is { } armed)
            {
                PassExpectation(d, policy, armed, tick.Sources);
            }
            else if (due.Key == FinalKey)
            {
                OutcomeFinality.Finalize(d, due.At);
            }
            else if (due.Key == FinishKey)
            {
                FinishJudge.Pass(d, policy, due.At);
            }
            else
            {
                LifecycleJudge.PassDue(d, policy, due.Key[ConflictKeyPrefix.Length..], due.At);
            }
        }

        return d;
    }

    /// <summary>A deadline due by a tick: when, a key that orders those due at the same instant, and what it belongs to.</summary>
    private readonly record struct DueItem(DateTimeOffset At, string Key, Divergence? Divergence = null, ArmedExpectation? Armed = null);

    private static List<DueItem> Due(OperationState state, TruthPolicy policy, DateTimeOffset now)
    {
        var due = new List<DueItem>();
        foreach (var x in state.Divergences.Values.Where(x => x.Due <= now))
        {
            due.Add(new(x.Due, "g:" + x.ConflictId, Divergence: x));
        }

        foreach (var x in state.Expectations.Where(x => x.ConflictId is null && x.Due <= now && x.Index < policy.Expectations.Count))
        {
            due.Add(new(x.Due, "e:" + x.Index.ToString("D6", CultureInfo.InvariantCulture), Armed: x));
        }

        if (state.FinalDue is { } final && final <= now)
        {
            due.Add(new(final, FinalKey));
        }

        if (state.FinishDeadline is { } finish && finish <= now)
        {
            due.Add(new(finish, FinishKey));
        }

        if (state.ConflictsDue is { } earliest && earliest <= now)
        {
            foreach (var c in state.Conflicts.Values.Where(c => c.AwaitsDue && c.DueBy <= now))
            {
                due.Add(new(c.DueBy!.Value, ConflictKeyPrefix + c.ConflictId));
            }
        }

        return due;
    }

    private static void PassGrace(Decision d, TruthPolicy policy, Divergence x)
    {
        d.Add(new DeadlinePassed(Grace, x.ConflictId, x.Facet, x.Due, null) { At = d.At, PolicyVersion = d.PolicyVersion });
        if (x.Kind == ConflictKinds.AttributeMismatch)
        {
            AttributeReconciler.PassGrace(d, policy, x);
            return;
        }

        var detail = x.Kind == ConflictKinds.Unowned
            ? $"Nobody owns '{x.Facet}' and {string.Join(", ", x.Sources)} still disagree past the grace window."
            : $"{string.Join(" and ", x.Sources)} still disagree on '{x.Facet}' past the grace window.";
        d.Open(x.Kind, x.Facet, x.Sources, x.States, detail, StatesBySource(d.State.FacetOrEmpty(x.Facet), x));
    }

    // Each source's claim as it stands when the conflict opens (the state it diverged with, should a claim be gone).
    private static ImmutableList<Difference> StatesBySource(FacetTruth facet, Divergence x)
    {
        var values = ImmutableList.CreateBuilder<DifferenceValue>();
        for (var i = 0; i < x.Sources.Count; i++)
        {
            var state = facet.ClaimOf(x.Sources[i])?.State ?? (x.Kind == ConflictKinds.Disagreement && i < x.States.Count ? x.States[i] : null);
            values.Add(new DifferenceValue(x.Sources[i], Difference.Quote(state)));
        }

        return [new Difference("state", values.ToImmutable())];
    }

    private static void PassExpectation(Decision d, TruthPolicy policy, ArmedExpectation armed, SourceWatch? sources)
    {
        var x = policy.Expectations[armed.Index];
        var target = x.Expect.IsOutcome ? null : d.State.FacetOrEmpty(x.Expect.Facet!);
        var owner = x.Expect.IsOutcome ? null : policy.FindFacet(x.Expect.Facet!)?.Owner;
        var missing = target is { Claims.IsEmpty: true, State: null };
        var silence = missing ? SilenceJudge.Judge(policy, owner, armed.Due, d.At, sources) : null;
        d.Add(new DeadlinePassed(ExpectationDeadline, armed.Index.ToString(CultureInfo.InvariantCulture), x.Expect.Facet ?? x.When.Facet, armed.Due, armed.Index)
        { At = d.At, PolicyVersion = d.PolicyVersion, Cause = silence?.Cause });
        var trigger = armed.TriggerSource is null ? ImmutableList<string>.Empty : [armed.TriggerSource];
        var discriminator = "expectation:" + armed.Index.ToString(CultureInfo.InvariantCulture);
        if (x.Expect.IsOutcome)
        {
            d.Open(ConflictKinds.PrematureEffect, x.When.Facet, trigger, [x.When.State, d.State.Outcome],
                $"'{x.When.Facet}' became '{x.When.State}' but the outcome was not '{x.Expect.Outcome}' within {x.WithinText}.",
                ConflictDifferences.Of("outcome", (ConflictDifferences.Expected, x.Expect.Outcome), ("actual", d.State.Outcome)),
                armed.Index, discriminator);
            return;
        }

        if (missing)
        {
            var involved = owner is null ? trigger : Sorted(trigger.Add(owner));
            ImmutableList<Difference> differences =
                [new Difference("state", [new(ConflictDifferences.Expected, Difference.Quote(x.Expect.State)), new("due", ConflictDifferences.Time(armed.Due))])];
            d.Open(ConflictKinds.Missing, x.Expect.Facet, involved, [x.Expect.State!],
                $"'{x.When.Facet}' became '{x.When.State}' but nobody reported '{x.Expect.Facet}' within {x.WithinText}." + silence?.Detail,
                silence is null ? differences : differences.Add(silence.Difference), armed.Index, discriminator, silence?.Cause);
            return;
        }

        var reporters = target!.Source is { } s ? [s] : target.Claims.Select(c => c.Source);
        d.Open(ConflictKinds.Disagreement, x.Expect.Facet, Sorted(trigger.AddRange(reporters)), [x.Expect.State!, target.State ?? "none"],
            $"'{x.When.Facet}' became '{x.When.State}' but '{x.Expect.Facet}' is '{target.State ?? "not agreed"}', not '{x.Expect.State}', after {x.WithinText}.",
            [ExpectedAgainstClaims(x.Expect.State!, target)], armed.Index, discriminator);
    }

    // The expected state, the agreed one (an override's, by its operator) and every source's claim.
    private static Difference ExpectedAgainstClaims(string expected, FacetTruth target)
    {
        var values = ImmutableList.CreateBuilder<DifferenceValue>();
        values.Add(new(ConflictDifferences.Expected, Difference.Quote(expected)));
        if (target.Basis == Bases.Override && target.Source is { } by)
        {
            values.Add(new(by, Difference.Quote(target.State)));
        }

        foreach (var claim in target.Claims)
        {
            if (!values.Exists(v => v.Key == claim.Source))
            {
                values.Add(new(claim.Source, Difference.Quote(claim.State)));
            }
        }

        return new Difference("state", values.ToImmutable());
    }

    private static ImmutableList<string> Sorted(IEnumerable<string> sources) =>
        sources.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableList();
}
