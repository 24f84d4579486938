using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>Repeated inputs and policy versions.</summary>
public sealed partial class OperationDeciderTests
{
    [Fact]
    public void Given_a_passed_deadline_when_the_same_tick_comes_again_then_nothing_new_is_decided()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0), TickAt(700));

        Assert.Empty(_order.When(TickAt(700)));
        Assert.Empty(_order.When(TickAt(9000)));
    }

    [Fact]
    public void Given_an_armed_expectation_when_a_newer_policy_no_longer_declares_it_then_its_deadline_is_withdrawn()
    {
        _order.Given(_order.Signal("email", "notification", "confirmation-sent", "e1", 0));
        var newer = new Scenario(SamplePolicies.Order with { Expectations = [] });
        var events = Core.Judging.OperationDecider.Decide(_order.State, newer.Policy, new Tick(At(500), 2));

        var withdrawn = Assert.IsType<ExpectationWithdrawn>(Assert.Single(events));
        Assert.Equal((2, 2), (withdrawn.ExpectationIndex, withdrawn.PolicyVersion));
        var after = events.Aggregate(_order.State, Core.Judging.OperationDecider.Evolve);
        Assert.Null(after.NextDeadline);
    }

    [Fact]
    public void Given_signals_under_two_policy_versions_when_folded_then_each_event_keeps_its_version()
    {
        _order.Given(_order.Signal("warehouse", "inventory", "reserved", "w1", 0));

        _order.When(_order.Signal("erp", "ledger", "recorded", "x1", 5) with { PolicyVersion = 3 });

        Assert.Equal([1, 3], _order.History.Select(e => e.PolicyVersion));
        Assert.Equal(3, _order.State.PolicyVersion);
    }

    [Fact]
    public void Given_an_absorbed_retry_when_the_verdict_is_read_then_it_is_recorded_with_the_retry_conflict()
    {
        _order.Given(_order.Signal("warehouse", "inventory", "reserved", "w1", 0));

        var verdict = SignalVerdict.Of(_order.When(_order.Signal("warehouse", "inventory", "reserved", "w2", 5)));

        Assert.Equal((SignalVerdict.Recorded, false, ConflictKinds.Retry), (verdict.Status, verdict.Applied, verdict.Judgement));
        Assert.Equal(ConflictKinds.Retry, Assert.Single(verdict.ConflictsOpened).Kind);
    }
}
