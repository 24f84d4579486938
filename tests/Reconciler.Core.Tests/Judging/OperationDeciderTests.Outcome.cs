using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>Outcome rules: ordered, first match wins, only owner-backed or overridden states count, none → pending.</summary>
public sealed partial class OperationDeciderTests
{
    [Fact]
    public void Given_no_rule_holds_when_signals_arrive_then_outcome_stays_pending_and_is_not_declared()
    {
        var events = _order.When(_order.Signal("payment-gateway", "payment", "captured", "p1", 0));

        Assert.DoesNotContain(events, e => e is OutcomeDeclared);
        Assert.Equal((Outcomes.Pending, (int?)null), (_order.State.Outcome, _order.State.OutcomeRuleIndex));
    }

    [Fact]
    public void Given_all_facets_of_a_rule_when_the_last_arrives_then_the_outcome_is_declared_with_its_basis()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0), _order.Signal("warehouse", "inventory", "shipped", "w1", 1));

        var events = _order.When(_order.Signal("erp", "ledger", "recorded", "x1", 2));

        var declared = Assert.Single(events.OfType<OutcomeDeclared>());
        Assert.Equal(("succeeded", Outcomes.Pending, 1), (declared.Outcome, declared.PreviousOutcome, declared.RuleIndex));
        Assert.Equal("captured", declared.FacetStates["payment"]);
        Assert.Equal("shipped", declared.FacetStates["inventory"]);
        Assert.Equal(3, declared.FacetStates.Count);
    }

    [Fact]
    public void Given_two_rules_hold_when_judged_then_the_first_wins()
    {
        var both = SamplePolicies.Order with
        {
            Outcomes =
            [
                SamplePolicies.Rule("on-hold", ("inventory", ["reserved"])),
                SamplePolicies.Rule("succeeded", ("inventory", ["reserved"])),
            ],
        };
        var scenario = new Scenario(both);

        scenario.When(scenario.Signal("warehouse", "inventory", "reserved", "w1", 0));

        Assert.Equal(("on-hold", (int?)0), (scenario.State.Outcome, scenario.State.OutcomeRuleIndex));
    }

    [Fact]
    public void Given_a_declared_outcome_when_a_facet_leaves_the_rule_then_pending_is_declared()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "authorized", "p1", 0), _order.Signal("payment-gateway", "payment", "declined", "p2", 1));
        Assert.Equal("failed", _order.State.Outcome);

        var events = _order.When(_order.Signal("payment-gateway", "payment", "captured", "p3", 2));

        var declared = Assert.Single(events.OfType<OutcomeDeclared>());
        Assert.Equal((Outcomes.Pending, "failed", (int?)null), (declared.Outcome, declared.PreviousOutcome, declared.RuleIndex));
    }

    [Fact]
    public void Given_a_rule_when_only_a_provisional_state_holds_then_it_does_not_count()
    {
        var events = _order.When(_order.Signal("erp", "payment", "declined", "x1", 0));

        // The claim is recorded and applied provisionally (erp does not own payment), yet no outcome rule counts it.
        Assert.Equal(["SignalReceived"], Types(events));
        Assert.Equal(("declined", Bases.Provisional), (_order.State.FacetOrEmpty("payment").State, _order.State.FacetOrEmpty("payment").Basis));
        Assert.Equal((Outcomes.Pending, (int?)null), (_order.State.Outcome, _order.State.OutcomeRuleIndex));
    }

    [Fact]
    public void Given_a_history_when_folded_up_to_version_n_then_the_state_is_as_it_stood_then()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0), _order.Signal("warehouse", "inventory", "reserved", "w1", 1),
            _order.Signal("erp", "ledger", "recorded", "x1", 2));
        var succeededAt = _order.History.FindIndex(e => e is OutcomeDeclared) + 1;

        var before = OperationDecider.Fold(_order.History.Take(succeededAt - 1));
        var after = OperationDecider.Fold(_order.History.Take(succeededAt));

        Assert.Equal((Outcomes.Pending, "succeeded"), (before.Outcome, after.Outcome));
        Assert.Equal(succeededAt, after.Version);
        Assert.Equal("captured", OperationDecider.Fold(_order.History.Take(1)).Facets["payment"].State);
        Assert.False(OperationDecider.Fold(_order.History.Take(1)).Facets.ContainsKey("ledger"));
    }

    [Fact]
    public void Given_a_facet_with_its_own_grace_when_it_diverges_then_its_grace_is_used()
    {
        var policy = SamplePolicies.Order with
        {
            Facets = SamplePolicies.Order.Facets.SetItem("journey", SamplePolicies.Order.Facets["journey"] with { GraceSeconds = 30 }),
        };
        var scenario = new Scenario(policy);
        scenario.Given(scenario.Signal("crm", "journey", "purchased", "c1", 0));

        var events = scenario.When(scenario.Signal("erp", "journey", "browsing", "x1", 0));

        Assert.Equal(At(30), ((DivergenceStarted)events[1]).Due);
        Assert.Equal(ImmutableList<string>.Empty.Add("crm").Add("erp"), ((DivergenceStarted)events[1]).Sources);
    }
}
