using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using Reconciler.Core.WhatIf;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.WhatIf;

public sealed class WhatIfReplayTests
{
    private static Scenario OrderWithLateErp()
    {
        var order = new Scenario(SamplePolicies.Order, "order-7");
        order.Given(
            order.Signal("payment-gateway", "payment", "captured", "p1", 0),
            order.Signal("warehouse", "inventory", "reserved", "w1", 10),
            order.Signal("crm", "journey", "purchased", "c1", 20),
            TickAt(700),
            order.Signal("erp", "ledger", "recorded", "x1", 900));
        return order;
    }

    [Fact]
    public void Given_a_history_when_replayed_under_the_same_policy_then_no_changes()
    {
        var order = OrderWithLateErp();

        var result = WhatIfReplay.Run(order.History, SamplePolicies.Order, 1, At(1000));

        Assert.Empty(result.Changes);
        Assert.Equal("succeeded", result.State.Outcome);
    }

    [Fact]
    public void Given_a_late_erp_when_the_policy_allows_more_time_then_the_missing_conflict_disappears()
    {
        var order = OrderWithLateErp();
        var patient = SamplePolicies.Order with
        {
            Expectations = SamplePolicies.Order.Expectations.SetItem(0, SamplePolicies.Order.Expectations[0] with { Within = TimeSpan.FromHours(1), WithinText = "PT1H" }),
        };

        var result = WhatIfReplay.Run(order.History, patient, 2, At(1000));

        var change = Assert.Single(result.Changes);
        Assert.Equal(("conflict", "missing resolved", null), (change.What, change.Before, change.After));
        Assert.All(result.Events, e => Assert.Equal(2, e.PolicyVersion));
    }

    [Fact]
    public void Given_a_history_when_the_policy_no_longer_requires_the_ledger_then_the_outcome_comes_earlier_and_the_ledger_is_unmodeled()
    {
        var order = OrderWithLateErp();
        var noLedger = SamplePolicies.Order with
        {
            Facets = SamplePolicies.Order.Facets.Remove("ledger"),
            Expectations = [SamplePolicies.Order.Expectations[1]],
            Outcomes = [SamplePolicies.Rule("succeeded", ("payment", ["captured"]), ("inventory", ["reserved"]))],
        };

        var result = WhatIfReplay.Run(order.History, noLedger, 2, At(1000));

        Assert.Equal("succeeded", result.State.Outcome);
        Assert.Contains(result.Changes, c => c is { What: "facet", Subject: "ledger", Before: "recorded (owner)", After: null });
        Assert.Contains(result.Changes, c => c.What == "conflict" && c.After == "unmodeled open");
        Assert.Contains(result.Changes, c => c.What == "conflict" && c.Before == "missing resolved" && c.After is null);
    }

    [Fact]
    public void Given_an_operator_resolution_when_its_conflict_no_longer_arises_then_it_is_skipped()
    {
        var order = new Scenario(SamplePolicies.Order, "order-8");
        order.Given(order.Signal("crm", "journey", "browsing", "c1", 0), order.Signal("erp", "journey", "purchased", "x1", 0), TickAt(400));
        order.Given(new ResolveConflict(order.Conflict(ConflictKinds.Disagreement).ConflictId, Resolutions.Accepted, "fine", "ann", null, At(500), 1));
        var lenient = SamplePolicies.Order with { GraceSeconds = 3600 };

        var result = WhatIfReplay.Run(order.History, lenient, 2, At(600));

        Assert.Equal(HealthStates.Diverging, result.State.Health);
        Assert.Contains(result.Changes, c => c.What == "conflict" && c.Before == "disagreement resolved" && c.After is null);
    }

    [Fact]
    public void Given_a_final_outcome_when_the_policy_drops_final_after_then_what_if_reports_the_finality_change()
    {
        var pay = new Scenario(SamplePolicies.Payments, "pay-9");
        pay.Given(pay.Signal("payment-gateway", "payment", "captured", "g1", 0, attributes: """{"amount":"100.00"}"""),
            pay.Signal("erp", "ledger", "recorded", "e1", 1, attributes: """{"amount":"100.00"}"""), TickAt(3600));
        Assert.Equal(Finalities.Final, pay.State.OutcomeFinality);

        var result = WhatIfReplay.Run(pay.History, SamplePolicies.Payments with { FinalAfter = null, FinalAfterText = null }, 2, At(3600));

        var change = Assert.Single(result.Changes);
        Assert.Equal(("finality", "outcome", Finalities.Final, Finalities.Agreed), (change.What, change.Subject, change.Before, change.After));
    }

    [Fact]
    public void Given_amounts_that_differ_when_the_policy_widens_the_tolerance_then_what_if_keeps_the_outcome_agreed_and_the_mismatch_away()
    {
        var pay = new Scenario(SamplePolicies.Payments, "pay-10");
        pay.Given(pay.Signal("payment-gateway", "payment", "captured", "g1", 0, attributes: """{"amount":"100.00"}"""),
            pay.Signal("erp", "ledger", "recorded", "e1", 1, attributes: """{"amount":"101.00"}"""), TickAt(100));
        Assert.Equal((Outcomes.Pending, Finalities.Provisional), (pay.State.Outcome, pay.State.OutcomeFinality));
        var wider = SamplePolicies.Payments with { Matches = [SamplePolicies.Payments.Matches[0] with { Tolerance = SamplePolicies.Tolerance("2%") }] };

        var result = WhatIfReplay.Run(pay.History, wider, 2, At(100));

        Assert.Equal(
            [("outcome", Outcomes.Pending, "succeeded"), ("finality", Finalities.Provisional, Finalities.Agreed)],
            result.Changes.Where(c => c.What is "outcome" or "finality").Select(c => (c.What, c.Before, c.After)));
        Assert.Contains(result.Changes, c => c.What == "conflict" && c.Before == "attribute-mismatch open" && c.After is null);
    }

    [Fact]
    public void Given_conflicts_under_one_accountability_when_replayed_under_another_then_the_changed_assignees_are_changes()
    {
        var order = new Scenario(SamplePolicies.Accountable, "order-11");
        order.Given(order.Signal("erp", "ledger", "recorded", "x1", 0), order.Signal("warehouse", "ledger", "reversed", "w1", 0),
            order.Signal("warehouse", "inventory", "reserved", "w2", 0), order.Signal("crm", "inventory", "released", "c1", 0), TickAt(400));
        var accountability = SamplePolicies.Accountable.Accountability;
        var candidate = SamplePolicies.Accountable with
        {
            Accountability = accountability with { Facets = accountability.Facets.SetItem("ledger", "treasury"), ResolveWithin = accountability.ResolveWithin.Remove("medium") },
        };

        var result = WhatIfReplay.Run(order.History, candidate, 2, At(500));

        var ledger = order.Conflict(ConflictKinds.Disagreement, "ledger").ConflictId;
        var change = Assert.Single(result.Changes);
        Assert.Equal(("assignee", ledger, "finance", "treasury"), (change.What, change.Subject, change.Before, change.After));
        Assert.Equal(("treasury", (DateTimeOffset?)null), (result.State.Conflicts[ledger].Assignee, result.State.Conflicts[ledger].DueBy));
        Assert.Equal("order-ops", result.State.Conflicts.Values.Single(c => c.Facet == "inventory").Assignee);
    }

    [Fact]
    public void Given_people_acting_on_a_conflict_when_replayed_under_the_same_policy_then_their_steps_replay_and_nothing_changes()
    {
        var order = new Scenario(SamplePolicies.Accountable, "order-12");
        order.Given(order.Signal("erp", "ledger", "recorded", "x1", 0), order.Signal("warehouse", "ledger", "reversed", "w1", 0), TickAt(400));
        var id = order.Conflict(ConflictKinds.Disagreement, "ledger").ConflictId;
        order.Given(new AcknowledgeConflict(id, "ann", At(500), 1), new SnoozeConflict(id, At(900), "batch", "ann", At(510), 1),
            new AssignConflict(id, "treasury", "theirs", "ann", At(520), 1), TickAt(400 + 3600));

        var result = WhatIfReplay.Run(order.History, SamplePolicies.Accountable, 2, At(400 + 3600));

        Assert.Empty(result.Changes);
        var record = result.State.Conflicts[id];
        // A what-if opens the conflict at its grace window's end (300 s), so its clock runs out at 3,900 s rather than at 4,000 s.
        Assert.Equal(("ops-leads", At(900), At(3900), At(3900)), (record.Assignee, record.SnoozedUntil, record.OverdueAt, record.EscalatedAt));
        Assert.Equal(["ConflictAcknowledged", "ConflictSnoozed", "ConflictAssigned", "ConflictOverdue", "ConflictEscalated"],
            result.Events.Where(e => e is ConflictAcknowledged or ConflictSnoozed or ConflictAssigned or ConflictOverdue or ConflictEscalated).Select(EventCodec.TypeName));
    }
}
