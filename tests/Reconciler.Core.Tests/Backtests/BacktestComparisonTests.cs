using System.Collections.Immutable;
using Reconciler.Core.Backtests;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Backtests;

/// <summary>One operation compared under a candidate: outcomes, conflicts per kind, severities and re-judged signals.</summary>
public sealed class BacktestComparisonTests
{
    private static Scenario CapturedOrderWithDecliningErp()
    {
        var order = new Scenario(SamplePolicies.Order, "bt-1");
        order.Given(
            order.Signal("payment-gateway", "payment", "captured", "p1", 0),
            order.Signal("erp", "payment", "declined", "e1", 5),
            order.Signal("warehouse", "inventory", "reserved", "w1", 10),
            order.Signal("erp", "ledger", "recorded", "e2", 20),
            order.Signal("crm", "journey", "purchased", "c1", 30),
            TickAt(400));
        return order;
    }

    [Fact]
    public void Given_an_operation_when_compared_under_its_own_policy_then_nothing_changes_and_the_figures_are_today_s()
    {
        var order = CapturedOrderWithDecliningErp();

        var compared = BacktestComparison.Compare("bt-1", order.History, SamplePolicies.Order, At(500));

        Assert.False(compared.Changed);
        Assert.Equal(("succeeded", "succeeded"), (compared.OutcomeToday, compared.OutcomeCandidate));
        var disagreement = Assert.Single(compared.Conflicts);
        Assert.Equal(new ConflictFigures(ConflictKinds.Disagreement, Severities.Medium, 1, 1, 1, 1, 0, 0, 0), disagreement);
        Assert.Empty(compared.SeverityChanges);
        Assert.Equal(RejudgeFigures.None, compared.Rejudged);
    }

    [Fact]
    public void Given_a_candidate_that_makes_the_erp_own_payment_when_compared_then_the_outcome_flips_and_the_disagreement_stays_one_record()
    {
        var order = CapturedOrderWithDecliningErp();
        var erpOwns = SamplePolicies.Order with { Facets = SamplePolicies.Order.Facets.SetItem("payment", SamplePolicies.Order.Facets["payment"] with { Owner = "erp" }) };

        var compared = BacktestComparison.Compare("bt-1", order.History, erpOwns, At(500));

        Assert.True(compared.Changed);
        Assert.Equal(("succeeded", "failed"), (compared.OutcomeToday, compared.OutcomeCandidate));
        Assert.Contains(compared.Changes, c => c is { What: "facet", Subject: "payment", Before: "captured (owner)", After: "declined (owner)" });
        var disagreement = Assert.Single(compared.Conflicts);
        // The same two sources disagree on the same facet, the other one now right: the same record (its id names both sources).
        Assert.Equal((1L, 1L, 0L, 0L, 0L), (disagreement.RecordedToday, disagreement.RecordedCandidate, disagreement.Appear, disagreement.Disappear, disagreement.SeverityChanged));
    }

    [Fact]
    public void Given_a_longer_grace_window_when_compared_then_the_disagreement_disappears_and_nothing_appears()
    {
        var order = CapturedOrderWithDecliningErp();

        var compared = BacktestComparison.Compare("bt-1", order.History, SamplePolicies.Order with { GraceSeconds = 3600 }, At(500));

        var disagreement = Assert.Single(compared.Conflicts);
        Assert.Equal(new ConflictFigures(ConflictKinds.Disagreement, Severities.Medium, 1, 0, 1, 0, 0, 1, 0), disagreement);
        Assert.Contains(compared.Changes, c => c is { What: "conflict", Before: "disagreement open", After: null });
    }

    [Fact]
    public void Given_an_owner_move_the_policy_forbids_when_the_candidate_makes_payment_an_effect_then_the_conflict_changes_kind_and_severity()
    {
        var order = new Scenario(SamplePolicies.Order, "bt-2");
        order.Given(
            order.Signal("payment-gateway", "payment", "captured", "p1", 0, effectKey: "txn-1"),
            order.Signal("payment-gateway", "payment", "authorized", "p2", 5, effectKey: "txn-2"));
        Assert.Equal(ConflictKinds.InvalidTransition, order.Conflict(ConflictKinds.InvalidTransition).Kind);
        var payment = SamplePolicies.Order.Facets["payment"] with { Transitions = ImmutableDictionary<string, ImmutableList<string>>.Empty, Effect = FacetEffect.Once };
        var candidate = SamplePolicies.Order with { Facets = SamplePolicies.Order.Facets.SetItem("payment", payment) };

        var compared = BacktestComparison.Compare("bt-2", order.History, candidate, At(60));

        var change = Assert.Single(compared.SeverityChanges);
        Assert.Equal(new SeverityChange(ConflictKinds.InvalidTransition, Severities.Medium, ConflictKinds.DuplicateEffect, Severities.High, 1), change);
        Assert.Equal(1, compared.Conflicts.Single(c => c.Kind == ConflictKinds.DuplicateEffect) is { Appear: 1, SeverityChanged: var n } ? n : -1);
        Assert.Equal(1, compared.Conflicts.Single(c => c.Kind == ConflictKinds.InvalidTransition).Disappear);
    }

    [Fact]
    public void Given_signals_held_by_an_unmodeled_conflict_when_the_candidate_names_their_state_then_they_are_counted_as_a_stored_version_would_rejudge_them()
    {
        var order = new Scenario(SamplePolicies.Order, "bt-3");
        order.Given(
            order.Signal("payment-gateway", "payment", "captured", "p1", 0),
            order.Signal("payment-gateway", "payment", "partially-refunded", "p2", 10),
            order.Signal("payment-gateway", "payment", "partially-refunded", "p3", 20, sequence: 7),
            order.Signal("warehouse", "mystery", "lost", "w1", 30));
        var payment = SamplePolicies.Order.Facets["payment"];
        var candidate = SamplePolicies.Order with
        {
            Facets = SamplePolicies.Order.Facets.SetItem("payment", payment with
            {
                States = payment.States.Add("partially-refunded"),
                Transitions = payment.Transitions.SetItem("captured", ["refunded", "partially-refunded"]),
            }),
        };

        var compared = BacktestComparison.Compare("bt-3", order.History, candidate, At(60));

        // What the stored version would decide: the same signals judged again by the real command.
        var rejudged = order.State.OpenConflicts.Where(c => c.Kind == ConflictKinds.Unmodeled)
            .SelectMany(c => OperationDecider.Decide(order.State, candidate, order.Rejudge(c.ConflictId, 60, 2)))
            .OfType<SignalRejudged>().ToList();
        Assert.Equal(2, rejudged.Count);
        Assert.Equal(new RejudgeFigures(1, rejudged.Count), compared.Rejudged);
        Assert.Contains(compared.Changes, c => c is { What: "facet", Subject: "payment", After: "partially-refunded (owner)" });
    }
}
