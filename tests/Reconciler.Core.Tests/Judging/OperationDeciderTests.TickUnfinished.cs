using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>The finish clock: no declared outcome two hours after the first signal is an <c>unfinished</c> conflict.</summary>
public sealed partial class OperationDeciderTests
{
    private const double FinishDue = 7200;

    /// <summary>Captured, reserved and purchased; the ledger never comes, so the order stays pending.</summary>
    private void OrderWithoutLedger() =>
        _accountable.Given(_accountable.Signal("payment-gateway", "payment", "captured", "p1", 0),
            _accountable.Signal("warehouse", "inventory", "reserved", "w1", 10), _accountable.Signal("crm", "journey", "purchased", "c1", 20));

    [Fact]
    public void Given_nothing_when_the_first_signal_comes_then_the_finish_clock_starts_from_it_once()
    {
        var first = _accountable.When(_accountable.Signal("warehouse", "inventory", "reserved", "w1", 0));
        var second = _accountable.When(_accountable.Signal("crm", "journey", "browsing", "c1", 30));

        Assert.Equal(["SignalReceived", "FinishClockStarted"], Types(first));
        var started = (FinishClockStarted)first[1];
        Assert.Equal((T0, At(FinishDue), "PT2H"), (started.Since, started.Due, started.FinishWithin));
        Assert.Equal(["SignalReceived"], Types(second));
        Assert.Equal((At(FinishDue), At(FinishDue)), (_accountable.State.FinishDue, _accountable.State.NextDeadline));
    }

    [Fact]
    public void Given_an_outcome_declared_in_time_when_the_finish_due_passes_then_nothing_is_decided()
    {
        OrderWithoutLedger();
        _accountable.Given(_accountable.Signal("erp", "ledger", "recorded", "x1", 100));

        Assert.Equal(("succeeded", (DateTimeOffset?)null), (_accountable.State.Outcome, _accountable.State.NextDeadline));
        Assert.Empty(_accountable.When(TickAt(FinishDue + 100)));
    }

    [Fact]
    public void Given_a_pending_outcome_when_the_finish_due_passes_then_unfinished_opens_for_the_owner_naming_the_missing_facet()
    {
        OrderWithoutLedger();

        var events = _accountable.When(TickAt(FinishDue + 100));

        Assert.Equal(["DeadlinePassed", "ConflictOpened", "DeadlinePassed", "ConflictOpened"], Types(events));
        var passed = (DeadlinePassed)events[2];
        Assert.Equal(("finish", "outcome", At(FinishDue)), (passed.DeadlineKind, passed.Subject, passed.Due));
        var unfinished = _accountable.Conflict(ConflictKinds.Unfinished);
        Assert.Equal((Severities.High, (string?)null, "order-ops", At(FinishDue + 100).AddMinutes(30)),
            (unfinished.Severity, unfinished.Facet, unfinished.Assignee, unfinished.DueBy));
        Assert.Equal(["pending"], unfinished.States);
        Assert.Empty(unfinished.Sources);
        Assert.Equal("No outcome within PT2H of the first signal: 'ledger' was never reported.", unfinished.Detail);
        Assert.Equal(["state: expected=[\"recorded\"], erp=null [ledger]"], DifferenceText.Of(unfinished));
        Assert.True(_accountable.State.FinishPassed);
        Assert.Null(_accountable.State.FinishDeadline);
    }

    [Fact]
    public void Given_facets_in_a_state_no_rule_takes_and_disagreeing_when_the_finish_due_passes_then_unfinished_names_each()
    {
        _accountable.Given(_accountable.Signal("payment-gateway", "payment", "authorized", "p1", 0),
            _accountable.Signal("warehouse", "inventory", "reserved", "w1", 0), _accountable.Signal("crm", "inventory", "released", "c1", 0));

        _accountable.When(TickAt(FinishDue));

        var unfinished = _accountable.Conflict(ConflictKinds.Unfinished);
        // In the policy's facet order (this one, built in code, declares none: ordinal).
        Assert.Equal("No outcome within PT2H of the first signal: 'inventory' is disagreeing; 'ledger' was never reported; 'payment' is 'authorized'.",
            unfinished.Detail);
        Assert.Equal(
            [
                "state: expected=[\"reserved\",\"shipped\"], warehouse=\"reserved\", crm=\"released\" [inventory]",
                "state: expected=[\"recorded\"], erp=null [ledger]",
                "state: expected=[\"declined\",\"captured\"], payment-gateway=\"authorized\" [payment]",
            ],
            DifferenceText.Of(unfinished));
    }

    [Fact]
    public void Given_an_unfinished_operation_when_an_outcome_is_declared_then_unfinished_closes_as_finished_and_the_outcome_is_agreed()
    {
        OrderWithoutLedger();
        _accountable.Given(TickAt(FinishDue + 100));
        var id = _accountable.Conflict(ConflictKinds.Unfinished).ConflictId;

        var events = _accountable.When(_accountable.Signal("erp", "ledger", "recorded", "x1", FinishDue + 200));

        var finished = events.OfType<ConflictResolved>().Single(r => r.ConflictId == id);
        Assert.Equal((Resolutions.Finished, (string?)null, 100d), (finished.Resolution, finished.ResolvedBy, finished.OpenSeconds));
        Assert.Equal(Finalities.Agreed, events.OfType<OutcomeDeclared>().Single().Finality);
        Assert.Equal(("resolved", "succeeded"), (_accountable.State.Conflicts[id].Status, _accountable.State.Outcome));
    }

    [Fact]
    public void Given_a_finished_operation_past_its_finish_due_when_the_outcome_goes_back_to_pending_then_unfinished_reopens()
    {
        OrderWithoutLedger();
        _accountable.Given(TickAt(FinishDue + 100), _accountable.Signal("erp", "ledger", "recorded", "x1", FinishDue + 200));

        var events = _accountable.When(_accountable.Signal("payment-gateway", "payment", "refunded", "p2", FinishDue + 300));

        Assert.Equal(["SignalReceived", "OutcomeRetracted", "OutcomeDeclared", "ConflictOpened"], Types(events));
        var unfinished = _accountable.Conflict(ConflictKinds.Unfinished);
        Assert.Equal((2, "open", At(FinishDue + 300).AddMinutes(30)), (unfinished.Occurrences, unfinished.Status, unfinished.DueBy));
        Assert.Contains("'payment' is 'refunded'", unfinished.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_an_unfinished_conflict_an_operator_dismissed_when_ticks_come_then_it_stays_closed()
    {
        OrderWithoutLedger();
        _accountable.Given(TickAt(FinishDue + 100));
        var id = _accountable.Conflict(ConflictKinds.Unfinished).ConflictId;
        _accountable.Given(new ResolveConflict(id, Resolutions.Dismissed, "a test order", "ann", null, At(FinishDue + 200), 1));

        Assert.DoesNotContain(_accountable.When(TickAt(FinishDue * 10)), e => e is ConflictOpened { Kind: ConflictKinds.Unfinished });
        Assert.Equal("resolved", _accountable.State.Conflicts[id].Status);
    }

    [Fact]
    public void Given_an_operation_older_than_a_policy_that_asks_to_finish_when_it_is_next_decided_then_its_clock_counts_from_its_first_signal()
    {
        var order = new Scenario(SamplePolicies.Order, "order-old");
        order.Given(order.Signal("warehouse", "inventory", "reserved", "w1", 0));
        order.Publish(SamplePolicies.Accountable);

        var armed = order.When(order.Signal("crm", "journey", "browsing", "c1", FinishDue + 800));
        var passed = order.When(TickAt(FinishDue + 801));

        Assert.Equal(At(FinishDue), Assert.IsType<FinishClockStarted>(armed[^1]).Due);
        Assert.Equal(["DeadlinePassed", "ConflictOpened"], Types(passed));
        Assert.Equal(ConflictKinds.Unfinished, ((ConflictOpened)passed[1]).Kind);
    }

    [Fact]
    public void Given_a_finish_clock_when_a_newer_version_drops_finish_within_then_the_deadline_passes_without_a_conflict()
    {
        _accountable.Given(_accountable.Signal("warehouse", "inventory", "reserved", "w1", 0));
        _accountable.Publish(SamplePolicies.Order);

        var events = _accountable.When(TickAt(FinishDue));

        Assert.Equal("finish", Assert.IsType<DeadlinePassed>(Assert.Single(events)).DeadlineKind);
        Assert.Null(_accountable.State.NextDeadline);
    }

    [Fact]
    public void Given_a_team_for_the_unfinished_kind_when_unfinished_opens_then_that_team_has_it_rather_than_the_owner()
    {
        var desk = new Scenario(SamplePolicies.Accountable with
        {
            Accountability = SamplePolicies.Accountable.Accountability with
            {
                Kinds = SamplePolicies.Accountable.Accountability.Kinds.Add(ConflictKinds.Unfinished, "order-desk"),
            },
        }, "order-desk");
        desk.Given(desk.Signal("warehouse", "inventory", "reserved", "w1", 0));

        desk.When(TickAt(FinishDue));

        Assert.Equal("order-desk", desk.Conflict(ConflictKinds.Unfinished).Assignee);
    }
}
