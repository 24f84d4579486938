using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>A tick past a conflict's dueBy: overdue, and escalated to the policy's escalateTo.</summary>
public sealed partial class OperationDeciderTests
{
    // The ledger disagreement opens at 400 s and is due an hour later.
    private const double LedgerDue = 400 + 3600;

    [Fact]
    public void Given_an_open_conflict_when_a_tick_comes_before_its_due_then_nothing_is_decided()
    {
        OpenLedgerDisagreement();

        Assert.Empty(_accountable.When(TickAt(LedgerDue - 1)));
    }

    [Fact]
    public void Given_an_open_acknowledged_conflict_when_its_due_passes_then_it_is_overdue_and_escalated_to_nobody_there_yet()
    {
        var id = OpenLedgerDisagreement();
        _accountable.Given(new AcknowledgeConflict(id, "ann", At(500), 1));

        var events = _accountable.When(TickAt(LedgerDue + 10));

        Assert.Equal(["ConflictOverdue", "ConflictEscalated"], Types(events));
        var overdue = (ConflictOverdue)events[0];
        Assert.Equal((id, Severities.Medium, At(LedgerDue), "finance", At(LedgerDue + 10)), (overdue.ConflictId, overdue.Severity, overdue.DueBy, overdue.Assignee, overdue.At));
        var escalated = (ConflictEscalated)events[1];
        Assert.Equal(("finance", "ops-leads", At(LedgerDue)), (escalated.PreviousAssignee, escalated.Assignee, escalated.DueBy));
        var record = _accountable.State.Conflicts[id];
        Assert.Equal(("ops-leads", At(LedgerDue + 10), At(LedgerDue + 10), true), (record.Assignee, record.OverdueAt, record.EscalatedAt, record.Overdue));
        Assert.Equal(((string?)null, "open"), (record.AcknowledgedBy, record.Status));
        Assert.Null(_accountable.State.ConflictsDue);
        Assert.Empty(_accountable.When(TickAt(LedgerDue + 20)));
    }

    [Fact]
    public void Given_a_snoozed_conflict_when_its_due_passes_then_it_is_overdue_all_the_same()
    {
        var id = OpenLedgerDisagreement();
        _accountable.Given(new SnoozeConflict(id, At(LedgerDue + 9000), "waiting", "ann", At(500), 1));

        Assert.Equal(["ConflictOverdue", "ConflictEscalated"], Types(_accountable.When(TickAt(LedgerDue))));
    }

    [Fact]
    public void Given_a_conflict_assigned_to_the_escalation_team_when_its_due_passes_then_it_is_overdue_without_escalation()
    {
        var id = OpenLedgerDisagreement();
        _accountable.Given(new AssignConflict(id, "ops-leads", "leads look at ledgers", "ann", At(500), 1));

        Assert.Equal(["ConflictOverdue"], Types(_accountable.When(TickAt(LedgerDue))));
        Assert.Equal("ops-leads", _accountable.State.Conflicts[id].Assignee);
    }

    [Fact]
    public void Given_a_policy_without_escalation_when_a_due_passes_then_the_conflict_is_only_overdue()
    {
        var calm = new Scenario(SamplePolicies.Accountable with
        {
            Accountability = SamplePolicies.Accountable.Accountability with { EscalateTo = null },
        }, "order-calm");
        calm.Given(calm.Signal("erp", "ledger", "recorded", "x1", 0), calm.Signal("warehouse", "ledger", "reversed", "w1", 0), TickAt(400));

        var events = calm.When(TickAt(LedgerDue));

        Assert.Equal("finance", Assert.IsType<ConflictOverdue>(Assert.Single(events)).Assignee);
    }

    [Fact]
    public void Given_a_conflict_resolved_before_its_due_when_the_due_passes_then_nothing_is_decided()
    {
        var id = OpenLedgerDisagreement();
        _accountable.Given(new ResolveConflict(id, Resolutions.Accepted, "known", "ann", null, At(500), 1));

        Assert.Null(_accountable.State.ConflictsDue);
        Assert.DoesNotContain(_accountable.When(TickAt(LedgerDue + 10)), e => e is ConflictOverdue);
    }

    [Fact]
    public void Given_a_due_conflict_when_a_signal_arrives_after_the_due_then_the_conflict_is_overdue_first()
    {
        OpenLedgerDisagreement();

        var events = _accountable.When(_accountable.Signal("crm", "journey", "purchased", "c1", LedgerDue + 5));

        Assert.Equal(["ConflictOverdue", "ConflictEscalated", "SignalReceived"], Types(events));
    }

    [Fact]
    public void Given_two_conflicts_due_when_one_tick_passes_both_then_they_are_overdue_in_due_order()
    {
        var first = OpenLedgerDisagreement();
        _accountable.Given(_accountable.Signal("warehouse", "inventory", "reserved", "w9", 500), _accountable.Signal("crm", "inventory", "released", "c9", 500),
            TickAt(900));
        var second = _accountable.Conflict(ConflictKinds.Disagreement, "inventory").ConflictId;

        var events = _accountable.When(TickAt(900 + 3600));

        Assert.Equal([first, first, second, second], events.Select(e => e switch
        {
            ConflictOverdue o => o.ConflictId,
            ConflictEscalated x => x.ConflictId,
            _ => "",
        }));
        Assert.Equal(("order-ops", "ops-leads"), (((ConflictEscalated)events[3]).PreviousAssignee, _accountable.State.Conflicts[second].Assignee));
    }

    [Fact]
    public void Given_accountability_under_a_later_version_when_a_conflict_opens_then_that_versions_teams_apply()
    {
        OpenLedgerDisagreement();
        _accountable.Publish(SamplePolicies.Accountable with
        {
            Accountability = SamplePolicies.Accountable.Accountability with { Facets = SamplePolicies.Accountable.Accountability.Facets.SetItem("inventory", "logistics") },
        });
        _accountable.Given(_accountable.Signal("warehouse", "inventory", "reserved", "w9", 500), _accountable.Signal("crm", "inventory", "released", "c9", 500));

        _accountable.When(TickAt(900));

        Assert.Equal("logistics", _accountable.Conflict(ConflictKinds.Disagreement, "inventory").Assignee);
        Assert.Equal("finance", _accountable.Conflict(ConflictKinds.Disagreement, "ledger").Assignee);
    }
}
