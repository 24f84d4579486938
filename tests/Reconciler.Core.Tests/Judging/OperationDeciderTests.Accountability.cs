using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>A conflict opens with an assignee and a clock: the team for its kind, else its facet, else the owner; due after the
/// policy's resolveWithin for its severity.</summary>
public sealed partial class OperationDeciderTests
{
    private readonly Scenario _accountable = new(SamplePolicies.Accountable, "order-acc");

    /// <summary>erp (the ledger's owner) and the warehouse disagree on the ledger past the grace window: a medium conflict at 400 s.</summary>
    private string OpenLedgerDisagreement()
    {
        _accountable.Given(_accountable.Signal("erp", "ledger", "recorded", "x1", 0), _accountable.Signal("warehouse", "ledger", "reversed", "w1", 0, sequence: 1),
            TickAt(400));
        return _accountable.Conflict(ConflictKinds.Disagreement, "ledger").ConflictId;
    }

    [Fact]
    public void Given_a_team_for_the_facet_when_a_conflict_opens_on_it_then_that_team_is_assigned_with_the_medium_clock()
    {
        var id = OpenLedgerDisagreement();

        var opened = _accountable.History.OfType<ConflictOpened>().Single(e => e.ConflictId == id);
        Assert.Equal(("finance", At(400).AddHours(1)), (opened.Assignee, opened.DueBy));
        var record = _accountable.State.Conflicts[id];
        Assert.Equal(("finance", At(400).AddHours(1)), (record.Assignee, record.DueBy));
        Assert.Equal((At(400).AddHours(1), At(400).AddHours(1)), (_accountable.State.ConflictsDue, _accountable.State.NextDeadline));
    }

    [Fact]
    public void Given_a_team_for_the_kind_and_another_for_the_facet_when_a_conflict_of_that_kind_opens_then_the_kinds_team_wins()
    {
        _accountable.Given(_accountable.Signal("payment-gateway", "payment", "captured", "p1", 0));

        _accountable.When(TickAt(700));

        var missing = _accountable.Conflict(ConflictKinds.Missing, "ledger");
        Assert.Equal("integrations", missing.Assignee);
        Assert.Equal("finance", SamplePolicies.Accountable.Accountability.Facets["ledger"]);
    }

    [Fact]
    public void Given_no_team_for_the_kind_or_the_facet_when_a_conflict_opens_then_the_owner_is_assigned()
    {
        _accountable.Given(_accountable.Signal("warehouse", "inventory", "reserved", "w1", 0), _accountable.Signal("crm", "inventory", "released", "c1", 0));

        _accountable.When(TickAt(400));

        Assert.Equal("order-ops", _accountable.Conflict(ConflictKinds.Disagreement, "inventory").Assignee);
    }

    [Fact]
    public void Given_a_high_conflict_when_it_opens_then_it_is_due_after_the_high_clock_and_an_info_one_has_none()
    {
        _accountable.Given(_accountable.Signal("payment-gateway", "payment", "captured", "p1", 0), _accountable.Signal("payment-gateway", "payment", "captured", "p1", 10));

        _accountable.When(_accountable.Signal("payment-gateway", "payment", "declined", "p1", 20));

        var violation = _accountable.Conflict(ConflictKinds.IdempotencyViolation);
        Assert.Equal((Severities.High, At(20).AddMinutes(30), "order-ops"), (violation.Severity, violation.DueBy, violation.Assignee));
        var duplicate = _accountable.Conflict(ConflictKinds.Duplicate);
        Assert.Equal(((DateTimeOffset?)null, "resolved"), (duplicate.DueBy, duplicate.Status));
    }

    [Fact]
    public void Given_a_policy_without_accountability_when_a_conflict_opens_then_it_has_no_assignee_and_its_event_is_stored_as_before()
    {
        _order.Given(_order.Signal("crm", "journey", "purchased", "c1", 0), _order.Signal("erp", "journey", "browsing", "x1", 0));

        var opened = _order.When(TickAt(400)).OfType<ConflictOpened>().Single();

        Assert.Equal(((string?)null, (DateTimeOffset?)null), (opened.Assignee, opened.DueBy));
        var json = EventCodec.Serialize(opened);
        Assert.DoesNotContain("assignee", json, StringComparison.Ordinal);
        Assert.DoesNotContain("dueBy", json, StringComparison.Ordinal);
        Assert.Null(_order.State.Conflicts[opened.ConflictId].Assignee);
        Assert.Null(_order.State.ConflictsDue);
    }

    [Fact]
    public void Given_a_conflict_opened_before_accountability_existed_when_folded_then_it_has_no_assignee_no_clock_and_no_deadline()
    {
        var state = OperationDecider.Fold(
        [
            EventCodec.Deserialize("SignalReceived", """{"operationId":"op-1","operationType":"order","source":"erp","signalId":"x","facet":"tax","state":"filed","observedAt":null,"sourceSequence":null,"effectKey":null,"attributesJson":null,"correlationId":null,"causationId":null,"contentHash":"h","applied":false,"role":"none","judgement":"unmodeled","at":"2026-11-21T10:00:00+00:00","policyVersion":1}"""),
            EventCodec.Deserialize("ConflictOpened", """{"conflictId":"unmodeled-1","kind":"unmodeled","severity":"medium","facet":"tax","sources":["erp"],"states":["filed"],"occurrence":1,"detail":"d","expectationIndex":null,"causeSource":"erp","causeSignalId":"x","differences":null,"at":"2026-11-21T10:00:00+00:00","policyVersion":1}"""),
        ]);

        var record = state.Conflicts["unmodeled-1"];
        Assert.Equal(((string?)null, (DateTimeOffset?)null, false), (record.Assignee, record.DueBy, record.Overdue));
        Assert.Equal(((DateTimeOffset?)null, (DateTimeOffset?)null, T0), (state.ConflictsDue, state.NextDeadline, state.StartedAt));
    }

    [Fact]
    public void Given_a_conflict_that_converged_when_it_reopens_then_it_has_a_new_clock_and_its_people_start_over()
    {
        var id = OpenLedgerDisagreement();
        _accountable.Given(new AcknowledgeConflict(id, "ann", At(500), 1), new AssignConflict(id, "treasury", "theirs", "ann", At(600), 1),
            _accountable.Signal("warehouse", "ledger", "recorded", "w2", 700, sequence: 2),
            _accountable.Signal("warehouse", "ledger", "reversed", "w3", 800, sequence: 3));

        _accountable.When(TickAt(1200));

        var record = _accountable.State.Conflicts[id];
        Assert.Equal((2, "open", "finance", At(1200).AddHours(1)), (record.Occurrences, record.Status, record.Assignee, record.DueBy));
        Assert.Equal(((string?)null, (string?)null, (string?)null), (record.AcknowledgedBy, record.AssignedBy, record.AssignReason));
    }
}
