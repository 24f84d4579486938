using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>One test per row of DOMAIN.md's judging table, for signals.</summary>
public sealed partial class OperationDeciderTests
{
    private readonly Scenario _order = new(SamplePolicies.Order);

    [Fact]
    public void Given_nothing_when_owner_reports_then_signal_is_applied_with_owner_basis()
    {
        var events = _order.When(_order.Signal("payment-gateway", "payment", "authorized", "p1", 0));

        var received = Assert.IsType<SignalReceived>(Assert.Single(events));
        Assert.True(received.Applied);
        Assert.Equal("fresh", received.Judgement);
        Assert.Equal(SourceStandings.Owner, received.Role);
        var payment = _order.State.Facets["payment"];
        Assert.Equal(("authorized", "payment-gateway", Bases.Owner), (payment.State, payment.Source, payment.Basis));
        Assert.Equal("accepted", SignalVerdict.Of(events).Status);
        Assert.Equal(HealthStates.Consistent, _order.State.Health);
    }

    [Fact]
    public void Given_a_signal_when_the_same_signal_arrives_again_then_duplicate_is_absorbed()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "authorized", "p1", 0));
        var before = _order.State.Facets;

        var events = _order.When(_order.Signal("payment-gateway", "payment", "authorized", "p1", 0) with { ReceivedAt = At(5) });

        Assert.Equal(["SignalDuplicated", "ConflictOpened", "ConflictResolved"], Types(events));
        var conflict = _order.Conflict(ConflictKinds.Duplicate);
        Assert.Equal((Severities.Info, "resolved", Resolutions.Absorbed), (conflict.Severity, conflict.Status, conflict.Resolution));
        Assert.Same(before, _order.State.Facets);
        var verdict = SignalVerdict.Of(events);
        Assert.Equal(("recorded", ConflictKinds.Duplicate), (verdict.Status, Assert.Single(verdict.ConflictsOpened).Kind));
    }

    [Fact]
    public void Given_a_duplicate_when_the_signal_arrives_a_third_time_then_the_same_record_counts_occurrences()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "authorized", "p1", 0), _order.Signal("payment-gateway", "payment", "authorized", "p1", 1));

        _order.When(_order.Signal("payment-gateway", "payment", "authorized", "p1", 2));

        Assert.Equal(2, _order.Conflict(ConflictKinds.Duplicate).Occurrences);
    }

    [Fact]
    public void Given_a_signal_when_its_id_is_reused_for_other_content_then_idempotency_violation_opens()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "authorized", "p1", 0));

        var events = _order.When(_order.Signal("payment-gateway", "payment", "declined", "p1", 5));

        Assert.Equal(["SignalDuplicated", "ConflictOpened"], Types(events));
        var conflict = _order.Conflict(ConflictKinds.IdempotencyViolation);
        Assert.Equal((Severities.High, "open"), (conflict.Severity, conflict.Status));
        Assert.Equal("authorized", _order.State.Facets["payment"].State);
        Assert.Equal(HealthStates.Conflicted, _order.State.Health);
        Assert.Equal("recorded", SignalVerdict.Of(events).Status);
    }

    [Fact]
    public void Given_a_report_when_the_source_retries_it_under_a_new_signal_id_then_retry_is_absorbed()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "authorized", "p1", 0, effectKey: "txn-1"));

        var events = _order.When(_order.Signal("payment-gateway", "payment", "authorized", "p2", 5, effectKey: "txn-1"));

        var received = Assert.IsType<SignalReceived>(events[0]);
        Assert.Equal((false, ConflictKinds.Retry), (received.Applied, received.Judgement));
        var conflict = _order.Conflict(ConflictKinds.Retry);
        Assert.Equal((Severities.Info, Resolutions.Absorbed), (conflict.Severity, conflict.Resolution));
        Assert.Equal(At(0), _order.State.Facets["payment"].Claims.Single().At);
    }

    [Fact]
    public void Given_a_sequenced_report_when_the_same_state_comes_with_a_newer_sequence_then_it_is_not_a_retry()
    {
        _order.Given(_order.Signal("warehouse", "inventory", "reserved", "w1", 0, sequence: 1));

        var events = _order.When(_order.Signal("warehouse", "inventory", "reserved", "w2", 5, sequence: 2));

        Assert.True(Assert.IsType<SignalReceived>(Assert.Single(events)).Applied);
    }

    [Fact]
    public void Given_an_effect_once_facet_when_a_second_effect_key_arrives_then_duplicate_effect_opens_and_applies()
    {
        _order.Given(_order.Signal("email", "notification", "confirmation-sent", "e1", 0, effectKey: "mail-1"));

        var events = _order.When(_order.Signal("email", "notification", "confirmation-sent", "e2", 5, effectKey: "mail-2"));

        var received = Assert.IsType<SignalReceived>(events[0]);
        Assert.Equal((true, ConflictKinds.DuplicateEffect), (received.Applied, received.Judgement));
        var conflict = _order.Conflict(ConflictKinds.DuplicateEffect);
        Assert.Equal((Severities.High, "open"), (conflict.Severity, conflict.Status));
        Assert.Equal(["mail-1", "mail-2"], conflict.States);
        Assert.Equal("e2", _order.State.Facets["notification"].Claims.Single().SignalId);
    }

    [Fact]
    public void Given_a_later_sequence_when_an_older_sequence_arrives_then_stale_is_absorbed()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p2", 0, sequence: 2));

        var events = _order.When(_order.Signal("payment-gateway", "payment", "authorized", "p1", 5, sequence: 1));

        Assert.Equal((false, ConflictKinds.Stale), (((SignalReceived)events[0]).Applied, ((SignalReceived)events[0]).Judgement));
        Assert.Equal(Resolutions.Absorbed, _order.Conflict(ConflictKinds.Stale).Resolution);
        Assert.Equal("captured", _order.State.Facets["payment"].State);
    }

    [Fact]
    public void Given_no_sequences_when_an_older_observation_arrives_then_stale_by_observed_at()
    {
        _order.Given(_order.Signal("warehouse", "inventory", "shipped", "w2", 10, observedAt: At(9)));

        var events = _order.When(_order.Signal("warehouse", "inventory", "reserved", "w1", 20, observedAt: At(1)));

        Assert.Equal(ConflictKinds.Stale, ((SignalReceived)events[0]).Judgement);
        Assert.Equal("shipped", _order.State.Facets["inventory"].State);
    }

    [Fact]
    public void Given_an_owner_state_when_the_owner_moves_along_a_forbidden_transition_then_invalid_transition_opens_and_applies()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0));

        var events = _order.When(_order.Signal("payment-gateway", "payment", "declined", "p2", 5));

        Assert.True(((SignalReceived)events[0]).Applied);
        var conflict = _order.Conflict(ConflictKinds.InvalidTransition);
        Assert.Equal((Severities.Medium, "open"), (conflict.Severity, conflict.Status));
        Assert.Equal(["captured", "declined"], conflict.States);
        Assert.Equal("declined", _order.State.Facets["payment"].State);
    }

    [Fact]
    public void Given_an_owner_state_when_a_non_owner_differs_then_divergence_starts_and_truth_keeps_owner_state()
    {
        _order.Given(_order.Signal("crm", "journey", "purchased", "c1", 0));

        var events = _order.When(_order.Signal("erp", "journey", "abandoned-cart", "x1", 10));

        Assert.Equal(["SignalReceived", "DivergenceStarted"], Types(events));
        Assert.Equal(At(310), ((DivergenceStarted)events[1]).Due);
        Assert.Equal("purchased", _order.State.Facets["journey"].State);
        Assert.Equal(2, _order.State.Facets["journey"].Claims.Count);
        Assert.Equal((HealthStates.Diverging, At(310)), (_order.State.Health, _order.State.NextDeadline));
        Assert.Equal("accepted", SignalVerdict.Of(events).Status);
    }

    [Fact]
    public void Given_a_divergence_when_the_non_owner_agrees_inside_grace_then_it_ends_without_conflict()
    {
        _order.Given(_order.Signal("crm", "journey", "purchased", "c1", 0), _order.Signal("erp", "journey", "abandoned-cart", "x1", 10));

        var events = _order.When(_order.Signal("erp", "journey", "purchased", "x2", 20));

        Assert.Equal(["SignalReceived", "DivergenceEnded"], Types(events));
        Assert.Equal((HealthStates.Consistent, (DateTimeOffset?)null), (_order.State.Health, _order.State.NextDeadline));
        Assert.Empty(_order.State.Conflicts);
    }

    [Fact]
    public void Given_silent_owner_when_a_non_owner_claims_then_truth_is_provisional_and_does_not_count_for_outcome()
    {
        _order.When(_order.Signal("erp", "payment", "declined", "x1", 0));

        var payment = _order.State.Facets["payment"];
        Assert.Equal(("declined", Bases.Provisional, "erp"), (payment.State, payment.Basis, payment.Source));
        Assert.Equal(Outcomes.Pending, _order.State.Outcome);
    }

    [Fact]
    public void Given_a_provisional_state_when_the_owner_reports_then_owner_replaces_it()
    {
        _order.Given(_order.Signal("erp", "payment", "declined", "x1", 0));

        _order.When(_order.Signal("payment-gateway", "payment", "declined", "p1", 5));

        Assert.Equal(Bases.Owner, _order.State.Facets["payment"].Basis);
        Assert.Equal("failed", _order.State.Outcome);
    }

    [Fact]
    public void Given_a_policy_when_a_facet_is_unknown_then_unmodeled_opens_and_signal_is_recorded()
    {
        var events = _order.When(_order.Signal("erp", "tax", "filed", "x1", 0));

        Assert.Equal(["SignalReceived", "ConflictOpened"], Types(events));
        Assert.Equal((Severities.Medium, "open"), (_order.Conflict(ConflictKinds.Unmodeled).Severity, _order.Conflict(ConflictKinds.Unmodeled).Status));
        Assert.False(_order.State.Facets.ContainsKey("tax"));
        Assert.Equal("recorded", SignalVerdict.Of(events).Status);
    }

    [Fact]
    public void Given_a_policy_when_a_state_is_unknown_then_unmodeled_opens()
    {
        var events = _order.When(_order.Signal("payment-gateway", "payment", "chargeback", "p1", 0));

        Assert.False(((SignalReceived)events[0]).Applied);
        Assert.Equal("payment", _order.Conflict(ConflictKinds.Unmodeled).Facet);
    }

    [Fact]
    public void Given_an_unmodeled_report_when_the_source_sends_it_again_under_a_new_id_then_it_is_unmodeled_again_and_held_by_the_same_conflict()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "partially-refunded", "p1", 0));
        var id = _order.Conflict(ConflictKinds.Unmodeled).ConflictId;

        var events = _order.When(_order.Signal("payment-gateway", "payment", "partially-refunded", "p2", 5));

        var received = Assert.IsType<SignalReceived>(Assert.Single(events));
        Assert.Equal((false, ConflictKinds.Unmodeled), (received.Applied, received.Judgement));
        Assert.Equal([1L, 3L], _order.State.Unmodeled[id]); // version 2 opened the conflict
        Assert.Equal(1, _order.State.Conflicts[id].Occurrences);
    }

    [Fact]
    public void Given_an_unmodeled_report_when_a_version_names_it_and_the_source_sends_it_again_under_a_new_id_then_it_is_a_new_report_not_a_retry()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p0", 0),
            _order.Signal("payment-gateway", "payment", "partially-refunded", "p1", 10));

        var events = _order.Publish(OrderWithRefunds).When(_order.Signal("payment-gateway", "payment", "partially-refunded", "p2", 20) with { PolicyVersion = 2 });

        var received = Assert.IsType<SignalReceived>(events[0]);
        Assert.Equal((true, "fresh"), (received.Applied, received.Judgement));
        Assert.Equal("partially-refunded", _order.State.Facets["payment"].State);
        Assert.DoesNotContain(_order.State.Conflicts.Values, c => c.Kind == ConflictKinds.Retry);
    }

    [Fact]
    public void Given_an_unmodeled_report_judged_again_and_applied_when_the_source_sends_it_again_under_a_new_id_then_it_is_a_retry()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p0", 0),
            _order.Signal("payment-gateway", "payment", "partially-refunded", "p1", 10));
        _order.Publish(OrderWithRefunds).Given(_order.Rejudge(_order.Conflict(ConflictKinds.Unmodeled).ConflictId, 15, 2));

        var events = _order.When(_order.Signal("payment-gateway", "payment", "partially-refunded", "p2", 20) with { PolicyVersion = 2 });

        Assert.Equal((false, ConflictKinds.Retry), (((SignalReceived)events[0]).Applied, ((SignalReceived)events[0]).Judgement));
    }

    [Fact]
    public void Given_a_copy_applied_before_the_rejudge_when_the_held_signal_is_judged_again_then_it_is_a_retry_and_the_conflict_closes()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p0", 0),
            _order.Signal("payment-gateway", "payment", "partially-refunded", "p1", 10));
        var id = _order.Conflict(ConflictKinds.Unmodeled).ConflictId;
        _order.Publish(OrderWithRefunds).Given(_order.Signal("payment-gateway", "payment", "partially-refunded", "p2", 20) with { PolicyVersion = 2 });

        var events = _order.When(_order.Rejudge(id, 30, 2));

        Assert.Equal((false, ConflictKinds.Retry), (((SignalRejudged)events[0]).Applied, ((SignalRejudged)events[0]).Judgement));
        Assert.Equal(Resolutions.ModeledByPolicy, _order.State.Conflicts[id].Resolution);
        Assert.Equal("p2", _order.State.Facets["payment"].Claims.Single().SignalId);
    }

    [Fact]
    public void Given_a_misspelt_facet_when_received_then_unmodeled_says_which_facet_was_meant_in_the_record_and_the_verdict()
    {
        var events = _order.When(_order.Signal("payment-gateway", "paymnet", "captured", "p1", 0));

        const string Expected = "The policy does not name facet 'paymnet' (did you mean 'payment'?).";
        Assert.Equal(Expected, _order.Conflict(ConflictKinds.Unmodeled).Detail);
        Assert.Equal(Expected, Assert.Single(SignalVerdict.Of(events).ConflictsOpened).Detail);
    }

    [Fact]
    public void Given_a_misspelt_state_when_received_then_unmodeled_says_which_state_was_meant()
    {
        _order.When(_order.Signal("payment-gateway", "payment", "capturd", "p1", 0));

        Assert.Equal("The policy does not name state 'capturd' of facet 'payment' (did you mean 'captured'?).", _order.Conflict(ConflictKinds.Unmodeled).Detail);
    }

    [Fact]
    public void Given_a_facet_near_no_known_name_when_received_then_unmodeled_guesses_nothing()
    {
        _order.When(_order.Signal("erp", "tax", "filed", "x1", 0));

        Assert.Equal("The policy does not name facet 'tax'.", _order.Conflict(ConflictKinds.Unmodeled).Detail);
    }

    [Fact]
    public void Given_an_operation_of_one_type_when_a_signal_of_another_type_arrives_then_it_is_rejected()
    {
        _order.Given(_order.Signal("erp", "ledger", "recorded", "x1", 0));
        var other = _order.Signal("erp", "ledger", "recorded", "x2", 5);

        var error = Assert.Throws<CommandRejectedException>(() => _order.When(other with { Signal = other.Signal with { OperationType = "refund" } }));

        Assert.Equal("operation-type-mismatch", error.Code);
    }
}
