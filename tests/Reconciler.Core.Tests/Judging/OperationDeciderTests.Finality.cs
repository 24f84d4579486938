using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using Reconciler.Core.State;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>Outcome finality (provisional, agreed, final), finalAfter as a deadline, and retraction of changed outcomes.</summary>
public sealed partial class OperationDeciderTests
{
    private static readonly TimeSpan HalfHour = TimeSpan.FromMinutes(30);

    // Payment captured and ledger recorded with equal amounts: succeeded, agreed at second 1.
    private void Succeed() =>
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"100.00"}"""), Erp("ledger", "recorded", "e1", 1, """{"amount":"100.00"}"""));

    [Fact]
    public void Given_every_facet_owner_backed_without_conflicts_when_the_outcome_is_declared_then_it_is_agreed_and_its_final_deadline_is_set()
    {
        Succeed();

        var declared = _pay.History.OfType<OutcomeDeclared>().Single();
        Assert.Equal((Finalities.Agreed, "PT30M"), (declared.Finality, declared.FinalAfter));
        Assert.Equal((Finalities.Agreed, At(1), At(1) + HalfHour), (_pay.State.OutcomeFinality, _pay.State.AgreedSince, _pay.State.FinalDue));
        Assert.Equal(At(1) + HalfHour, _pay.State.NextDeadline);
        Assert.Equal(["ledger", "payment"], _pay.State.OutcomeFacets);
    }

    [Fact]
    public void Given_an_open_conflict_on_a_facet_of_the_rule_when_the_outcome_is_declared_then_it_is_provisional_and_no_final_deadline_runs()
    {
        // authorized → refunded is not an allowed move: the owner is applied, and invalid-transition stays open on payment.
        _pay.Given(Gateway("authorized", "g1", 0, "{}"));

        var events = _pay.When(Gateway("refunded", "g2", 1, "{}"));

        var declared = Assert.Single(events.OfType<OutcomeDeclared>());
        Assert.Equal(("failed", Finalities.Provisional), (declared.Outcome, declared.Finality));
        Assert.Equal((Finalities.Provisional, (DateTimeOffset?)null, (DateTimeOffset?)null), (_pay.State.OutcomeFinality, _pay.State.FinalDue, _pay.State.NextDeadline));
    }

    [Fact]
    public void Given_a_provisional_outcome_when_its_conflict_is_resolved_then_it_becomes_agreed_from_then_on_without_a_new_declaration()
    {
        _pay.Given(Gateway("authorized", "g1", 0, "{}"), Gateway("refunded", "g2", 1, "{}"));
        var id = _pay.Conflict(ConflictKinds.InvalidTransition).ConflictId;

        var events = _pay.When(new ResolveConflict(id, Resolutions.Accepted, "refund approved by phone", "ann", null, At(100), 1));

        Assert.Equal(["OperatorResolved", "ConflictResolved"], Types(events));
        Assert.Equal((Finalities.Agreed, At(100), At(100) + HalfHour), (_pay.State.OutcomeFinality, _pay.State.AgreedSince, _pay.State.FinalDue));
    }

    [Fact]
    public void Given_a_declaration_when_the_same_decision_closes_the_conflict_on_its_facet_then_it_is_declared_agreed()
    {
        var story = new Scenario(SamplePolicies.Order, "order-1001");
        story.Given(story.Signal("payment-gateway", "payment", "captured", "p1", 0), story.Signal("warehouse", "inventory", "reserved", "w1", 1), TickAt(700));
        Assert.True(story.Conflict(ConflictKinds.Missing, "ledger").IsOpen);

        var events = story.When(story.Signal("erp", "ledger", "recorded", "x1", 800));

        var declared = Assert.Single(events.OfType<OutcomeDeclared>());
        Assert.Equal(("succeeded", Finalities.Agreed), (declared.Outcome, declared.Finality));
        Assert.Null(declared.FinalAfter);
        Assert.Equal((Finalities.Agreed, (DateTimeOffset?)null), (story.State.OutcomeFinality, story.State.FinalDue));
    }

    [Fact]
    public void Given_an_agreed_outcome_when_final_after_passes_then_outcome_finalized_is_appended_and_not_before()
    {
        Succeed();

        Assert.Empty(_pay.When(new Tick(At(1) + HalfHour - TimeSpan.FromSeconds(1), 1)));
        var events = _pay.When(new Tick(At(1) + HalfHour + TimeSpan.FromSeconds(5), 1));

        var finalized = Assert.IsType<OutcomeFinalized>(Assert.Single(events));
        Assert.Equal(("succeeded", (int?)1, At(1) + HalfHour, At(1) + HalfHour + TimeSpan.FromSeconds(5)), (finalized.Outcome, finalized.RuleIndex, finalized.Due, finalized.At));
        Assert.Equal((Finalities.Final, (DateTimeOffset?)null, (DateTimeOffset?)null), (_pay.State.OutcomeFinality, _pay.State.FinalDue, _pay.State.NextDeadline));
        Assert.Empty(_pay.When(new Tick(At(1) + HalfHour * 3, 1)));
        Assert.Equal(StateDump.Of(_pay.State), StateDump.Of(OperationDecider.Fold(_pay.History)));
    }

    [Fact]
    public void Given_an_agreed_outcome_when_a_conflict_opens_on_its_facet_before_final_after_then_the_clock_starts_again_once_it_is_agreed_again()
    {
        Succeed();
        _pay.Given(_pay.Signal("crm", "payment", "authorized", "c1", 10), TickAt(80));
        Assert.Equal((Finalities.Provisional, (DateTimeOffset?)null), (_pay.State.OutcomeFinality, _pay.State.FinalDue));

        Assert.Empty(_pay.When(new Tick(At(1) + HalfHour + TimeSpan.FromSeconds(1), 1)));
        _pay.When(_pay.Signal("crm", "payment", "captured", "c2", 2000));

        Assert.Equal((Finalities.Agreed, At(2000), At(2000) + HalfHour), (_pay.State.OutcomeFinality, _pay.State.AgreedSince, _pay.State.FinalDue));
        Assert.Equal("succeeded", _pay.State.Outcome);
        Assert.DoesNotContain(_pay.History, e => e is OutcomeRetracted or OutcomeFinalized);
    }

    [Fact]
    public void Given_a_conflict_due_before_final_after_when_one_tick_passes_both_then_the_outcome_is_not_finalized()
    {
        Succeed();
        _pay.Given(_pay.Signal("crm", "payment", "authorized", "c1", 1000));

        var events = _pay.When(new Tick(At(1) + HalfHour + TimeSpan.FromSeconds(1), 1));

        Assert.Equal(["DeadlinePassed", "ConflictOpened"], Types(events));
        Assert.Equal(Finalities.Provisional, _pay.State.OutcomeFinality);
    }

    [Fact]
    public void Given_a_pending_operation_when_an_outcome_is_first_declared_then_nothing_is_retracted()
    {
        var events = new List<OperationEvent>();
        events.AddRange(_pay.When(Gateway("captured", "g1", 0, """{"amount":"100.00"}""")));
        events.AddRange(_pay.When(Erp("ledger", "recorded", "e1", 1, """{"amount":"100.00"}""")));

        var declared = Assert.Single(events.OfType<OutcomeDeclared>());
        Assert.Equal(("succeeded", Outcomes.Pending), (declared.Outcome, declared.PreviousOutcome));
        Assert.DoesNotContain(events, e => e is OutcomeRetracted);
    }

    [Fact]
    public void Given_an_agreed_outcome_when_a_late_signal_changes_it_then_it_is_retracted_before_the_new_declaration()
    {
        Succeed();

        var events = _pay.When(Gateway("refunded", "g2", 100, "{}"));

        Assert.Equal(["SignalReceived", "OutcomeRetracted", "OutcomeDeclared"], Types(events));
        var retracted = (OutcomeRetracted)events[1];
        Assert.Equal(("succeeded", Finalities.Agreed, "payment-gateway/g2"), (retracted.Outcome, retracted.Finality, retracted.CausedBy));
        Assert.Equal("'payment' is 'refunded', so rule 1 no longer holds; the outcome is now 'failed'.", retracted.Reason);
        var declared = (OutcomeDeclared)events[2];
        Assert.Equal(("failed", "succeeded", Finalities.Agreed), (declared.Outcome, declared.PreviousOutcome, declared.Finality));
        Assert.Equal(At(100), _pay.State.AgreedSince);
    }

    [Fact]
    public void Given_a_final_outcome_when_a_late_signal_changes_it_then_the_retraction_opens_final_outcome_changed_and_the_new_outcome_stays_provisional()
    {
        Succeed();
        _pay.Given(new Tick(At(3600), 1));
        Assert.Equal(Finalities.Final, _pay.State.OutcomeFinality);

        var events = _pay.When(Gateway("refunded", "g2", 4000, "{}"));

        Assert.Equal(["SignalReceived", "OutcomeRetracted", "ConflictOpened", "OutcomeDeclared"], Types(events));
        Assert.Equal(("succeeded", Finalities.Final), (((OutcomeRetracted)events[1]).Outcome, ((OutcomeRetracted)events[1]).Finality));
        var conflict = _pay.Conflict(ConflictKinds.FinalOutcomeChanged);
        Assert.Equal((Severities.High, "open", (string?)null), (conflict.Severity, conflict.Status, conflict.Facet));
        Assert.Equal(["outcome: final=\"succeeded\", now=\"failed\""], DifferenceText.Of(conflict));
        Assert.Equal(("failed", Finalities.Provisional), (((OutcomeDeclared)events[3]).Outcome, ((OutcomeDeclared)events[3]).Finality));
        Assert.Equal(Finalities.Provisional, _pay.State.OutcomeFinality);

        _pay.When(new ResolveConflict(conflict.ConflictId, Resolutions.Accepted, "refund confirmed", "ann", null, At(5000), 1));

        Assert.Equal((Finalities.Agreed, At(5000)), (_pay.State.OutcomeFinality, _pay.State.AgreedSince));
    }

    [Fact]
    public void Given_a_declared_outcome_when_an_operator_override_changes_it_then_the_retraction_names_the_operator()
    {
        _pay.Given(Erp("ledger", "recorded", "e1", 0, "{}"), Gateway("authorized", "g1", 0, "{}"), Gateway("refunded", "g2", 1, "{}"));
        var id = _pay.Conflict(ConflictKinds.InvalidTransition).ConflictId;

        var events = _pay.When(new ResolveConflict(id, Resolutions.Overridden, "the refund was reversed", "ann", new FacetOverride("payment", "captured"), At(50), 1));

        Assert.Equal(["OperatorResolved", "ConflictResolved", "OutcomeRetracted", "OutcomeDeclared"], Types(events));
        var retracted = (OutcomeRetracted)events[2];
        Assert.Equal(("failed", Finalities.Provisional, "operator:ann"), (retracted.Outcome, retracted.Finality, retracted.CausedBy));
        Assert.Equal(("succeeded", Finalities.Agreed), (((OutcomeDeclared)events[3]).Outcome, ((OutcomeDeclared)events[3]).Finality));
    }

    [Fact]
    public void Given_a_finalized_outcome_when_snapshot_and_read_back_then_its_finality_and_deadline_survive()
    {
        Succeed();
        var agreed = OperationSnapshot.Read(OperationSnapshot.Write(_pay.State))!;
        _pay.Given(new Tick(At(3600), 1));
        var final = OperationSnapshot.Read(OperationSnapshot.Write(_pay.State))!;

        Assert.Equal((Finalities.Agreed, At(1) + HalfHour), (agreed.OutcomeFinality, agreed.FinalDue));
        Assert.Equal((Finalities.Final, (DateTimeOffset?)null), (final.OutcomeFinality, final.FinalDue));
        Assert.Equal(StateDump.Of(_pay.State), StateDump.Of(final));
    }
}
