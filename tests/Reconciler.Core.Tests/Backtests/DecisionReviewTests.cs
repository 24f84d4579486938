using System.Collections.Immutable;
using Reconciler.Core.Backtests;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Backtests;

/// <summary>Decisions people took (resolutions, overrides, approvals) that a candidate would not let stand, and why.</summary>
public sealed class DecisionReviewTests
{
    // The gateway captured, the ERP says declined: a disagreement opens when the 300 s grace window passes (tick at 310).
    private static (Scenario Order, string ConflictId) Disagreement(string operationId)
    {
        var order = new Scenario(SamplePolicies.Order, operationId);
        order.Given(order.Signal("payment-gateway", "payment", "captured", "p1", 0), order.Signal("erp", "payment", "declined", "e1", 5), TickAt(310));
        return (order, order.Conflict(ConflictKinds.Disagreement).ConflictId);
    }

    [Fact]
    public void Given_an_accepted_disagreement_when_the_candidate_waits_an_hour_then_the_decision_is_at_risk_with_who_when_and_why()
    {
        var (order, conflictId) = Disagreement("dr-1");
        order.Given(new ResolveConflict(conflictId, Resolutions.Accepted, "the ERP lags", "ann", null, At(400), 1));

        var compared = BacktestComparison.Compare("dr-1", order.History, SamplePolicies.Order with { GraceSeconds = 3600 }, At(500));

        var decision = Assert.Single(compared.Decisions);
        Assert.Equal(new DecisionAtRisk("dr-1", conflictId, ConflictKinds.Disagreement, Decisions.Resolution, Resolutions.Accepted, "ann", At(400),
            "the ERP lags", DecisionRisks.ConflictNotRecorded, null), decision);
        Assert.True(compared.Changed);
    }

    [Fact]
    public void Given_a_resolution_by_one_resolver_when_the_candidate_asks_two_then_it_would_wait_for_approval()
    {
        var (order, conflictId) = Disagreement("dr-2");
        order.Given(new ResolveConflict(conflictId, Resolutions.Dismissed, "noise", "ann", null, At(400), 1));
        var fourEyes = SamplePolicies.Order with { Approvals = ImmutableDictionary<string, int>.Empty.Add(Resolutions.Dismissed, 2) };

        var compared = BacktestComparison.Compare("dr-2", order.History, fourEyes, At(500));

        var decision = Assert.Single(compared.Decisions);
        Assert.Equal((DecisionRisks.NeedsApproval, "disagreement open"), (decision.Risk, decision.Candidate));
    }

    [Fact]
    public void Given_an_approved_resolution_when_the_candidate_asks_two_as_well_then_the_approval_stands()
    {
        var (order, conflictId) = Disagreement("dr-3");
        var fourEyes = SamplePolicies.Order with { Approvals = ImmutableDictionary<string, int>.Empty.Add(Resolutions.Accepted, 2) };
        order.Publish(fourEyes).Given(
            new ResolveConflict(conflictId, Resolutions.Accepted, "known lag", "ann", null, At(400), 1),
            new ApproveResolution(conflictId, "agreed", "sam", At(420), 1));

        var compared = BacktestComparison.Compare("dr-3", order.History, fourEyes, At(500));

        Assert.Empty(compared.Decisions);
        Assert.False(compared.Changed);
    }

    [Fact]
    public void Given_an_override_when_the_candidate_drops_its_state_then_the_override_is_invalid()
    {
        var (order, conflictId) = Disagreement("dr-4");
        order.Given(new ResolveConflict(conflictId, Resolutions.Overridden, "refunded meanwhile", "ann", new FacetOverride("payment", "refunded"), At(400), 1));
        var payment = SamplePolicies.Order.Facets["payment"];
        var noRefunds = SamplePolicies.Order with
        {
            Facets = SamplePolicies.Order.Facets.SetItem("payment", payment with
            {
                States = payment.States.Remove("refunded"),
                Transitions = payment.Transitions.SetItem("captured", []),
            }),
        };

        var compared = BacktestComparison.Compare("dr-4", order.History, noRefunds, At(500));

        var decision = Assert.Single(compared.Decisions, d => d.ConflictId == conflictId);
        Assert.Equal((Decisions.Override, DecisionRisks.OverrideInvalid, "payment", "refunded"),
            (decision.Decision, decision.Risk, decision.OverrideFacet, decision.OverrideState));
    }

    [Fact]
    public void Given_a_decision_taken_while_the_conflict_was_open_when_the_candidate_opens_it_later_then_the_conflict_was_not_open()
    {
        var (order, conflictId) = Disagreement("dr-5");
        order.Given(
            new ResolveConflict(conflictId, Resolutions.Accepted, "wait", "ann", null, At(320), 1),
            order.Signal("erp", "payment", "captured", "e2", 1000));

        var compared = BacktestComparison.Compare("dr-5", order.History, SamplePolicies.Order with { GraceSeconds = 600 }, At(1100));

        var decision = Assert.Single(compared.Decisions);
        Assert.Equal((DecisionRisks.ConflictNotOpen, "disagreement resolved"), (decision.Risk, decision.Candidate));
    }

    [Fact]
    public void Given_a_decision_that_replays_when_the_conflict_comes_back_only_under_the_candidate_then_the_conflict_differs()
    {
        var (order, conflictId) = Disagreement("dr-6");
        order.Given(
            new ResolveConflict(conflictId, Resolutions.Accepted, "fine", "ann", null, At(400), 1),
            order.Signal("erp", "payment", "refunded", "e2", 450));

        var compared = BacktestComparison.Compare("dr-6", order.History, SamplePolicies.Order with { GraceSeconds = 100 }, At(600));

        var decision = Assert.Single(compared.Decisions);
        Assert.Equal((DecisionRisks.ConflictDiffers, "disagreement open"), (decision.Risk, decision.Candidate));
    }

    [Fact]
    public void Given_a_conflict_accepted_twice_when_the_candidate_asks_two_resolvers_then_the_first_waits_and_the_second_is_not_replayed()
    {
        var (order, conflictId) = Disagreement("dr-7");
        order.Given(
            new ResolveConflict(conflictId, Resolutions.Accepted, "fine", "ann", null, At(400), 1),
            order.Signal("erp", "payment", "refunded", "e2", 450),
            TickAt(760),
            new ResolveConflict(conflictId, Resolutions.Accepted, "still fine", "bob", null, At(800), 1));
        var fourEyes = SamplePolicies.Order with { Approvals = ImmutableDictionary<string, int>.Empty.Add(Resolutions.Accepted, 2) };

        // Bob's resolution would be refused while Ann's proposal waits (proposal-pending): the replay leaves it out instead of failing.
        var compared = BacktestComparison.Compare("dr-7", order.History, fourEyes, At(900));

        Assert.Equal([("ann", DecisionRisks.NeedsApproval), ("bob", DecisionRisks.ConflictNotOpen)], compared.Decisions.Select(d => (d.DecidedBy, d.Risk)));
    }
}
