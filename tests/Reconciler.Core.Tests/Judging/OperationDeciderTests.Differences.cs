using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>Every conflict says exactly what differs: one test per shape of <c>differences</c>.</summary>
public sealed partial class OperationDeciderTests
{
    [Fact]
    public void Given_a_duplicate_when_absorbed_then_it_names_the_signal_id_delivered_again()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "authorized", "p1", 0), _order.Signal("payment-gateway", "payment", "authorized", "p1", 5));

        Assert.Equal(["signalId: payment-gateway=\"p1\""], DifferenceText.Of(_order.Conflict(ConflictKinds.Duplicate)));
    }

    [Fact]
    public void Given_a_reused_signal_id_when_the_content_differs_then_the_changed_fields_are_listed_first_and_second()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "authorized", "p1", 0, sequence: 1, attributes: """{"amount":"10"}"""));

        _order.When(_order.Signal("payment-gateway", "payment", "declined", "p1", 5, sequence: 2, attributes: """{"amount":"12"}""",
            observedAt: At(4)));

        Assert.Equal(
            [
                "state: first=\"authorized\", second=\"declined\"",
                $"observedAt: first=null, second=\"{At(4):yyyy-MM-ddTHH:mm:ss}+00:00\"",
                "sourceSequence: first=1, second=2",
                "attributes: first={\"amount\":\"10\"}, second={\"amount\":\"12\"}",
            ],
            DifferenceText.Of(_order.Conflict(ConflictKinds.IdempotencyViolation)));
    }

    [Fact]
    public void Given_a_reused_signal_id_when_the_first_content_is_unknown_then_the_content_hashes_are_compared()
    {
        var signal = _order.Signal("payment-gateway", "payment", "declined", "p1", 5);

        var events = OperationDecider.Decide(_order.State, _order.Policy, signal with { KnownContentHash = "feed" });

        var opened = Assert.Single(events.OfType<ConflictOpened>());
        Assert.Equal([$"contentHash: first=\"feed\", second=\"{SignalContent.Hash(signal.Signal)}\""], opened.Differences!.Select(DifferenceText.Of));
    }

    [Fact]
    public void Given_a_retry_when_absorbed_then_it_names_the_new_signal_id()
    {
        _order.Given(_order.Signal("warehouse", "inventory", "reserved", "w1", 0), _order.Signal("warehouse", "inventory", "reserved", "w2", 5));

        Assert.Equal(["signalId: warehouse=\"w2\""], DifferenceText.Of(_order.Conflict(ConflictKinds.Retry)));
    }

    [Fact]
    public void Given_a_stale_signal_when_absorbed_then_the_sequences_or_observation_times_are_compared()
    {
        _order.Given(_order.Signal("warehouse", "inventory", "shipped", "w1", 0, sequence: 5), _order.Signal("warehouse", "inventory", "reserved", "w2", 5, sequence: 3));
        Assert.Equal(["sourceSequence: claim=5, signal=3"], DifferenceText.Of(_order.Conflict(ConflictKinds.Stale)));

        var byTime = new Scenario(SamplePolicies.Order);
        byTime.Given(byTime.Signal("erp", "ledger", "reversed", "x1", 10, observedAt: At(9)), byTime.Signal("erp", "ledger", "recorded", "x2", 11, observedAt: At(8)));
        Assert.Equal([$"observedAt: claim=\"{At(9):yyyy-MM-ddTHH:mm:ss}+00:00\", signal=\"{At(8):yyyy-MM-ddTHH:mm:ss}+00:00\""],
            DifferenceText.Of(byTime.Conflict(ConflictKinds.Stale)));
    }

    [Fact]
    public void Given_a_second_effect_when_duplicate_effect_opens_then_both_effect_keys_are_named()
    {
        _order.Given(_order.Signal("email", "notification", "confirmation-sent", "m1", 0, effectKey: "msg-1"),
            _order.Signal("email", "notification", "confirmation-sent", "m2", 5, effectKey: "msg-2"));

        Assert.Equal(["effectKey: first=\"msg-1\", second=\"msg-2\""], DifferenceText.Of(_order.Conflict(ConflictKinds.DuplicateEffect)));
    }

    [Fact]
    public void Given_an_invalid_transition_when_opened_then_the_move_is_named()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0), _order.Signal("payment-gateway", "payment", "authorized", "p2", 5));

        Assert.Equal(["state: from=\"captured\", to=\"authorized\""], DifferenceText.Of(_order.Conflict(ConflictKinds.InvalidTransition)));
    }

    [Fact]
    public void Given_two_sources_disagree_past_grace_when_opened_then_the_states_are_listed_by_source_as_they_stand()
    {
        _order.Given(_order.Signal("crm", "journey", "purchased", "c1", 0), _order.Signal("erp", "journey", "browsing", "x1", 0),
            _order.Signal("erp", "journey", "abandoned-cart", "x2", 100), TickAt(400));

        var conflict = _order.Conflict(ConflictKinds.Disagreement);
        Assert.Equal(["state: crm=\"purchased\", erp=\"abandoned-cart\""], DifferenceText.Of(conflict));
    }

    [Fact]
    public void Given_an_unowned_facet_past_grace_when_opened_then_every_claim_is_listed_by_source()
    {
        _subscription.Given(_subscription.Signal("billing", "region", "eu", "b1", 0), _subscription.Signal("device", "region", "us", "d1", 10), TickAt(130));

        Assert.Equal(["state: billing=\"eu\", device=\"us\""], DifferenceText.Of(_subscription.Conflict(ConflictKinds.Unowned)));
    }

    [Fact]
    public void Given_an_expectation_target_never_reported_when_missing_opens_then_the_expected_state_and_deadline_are_named()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0), TickAt(700));

        Assert.Equal([$"state: expected=\"recorded\", due=\"{At(600):yyyy-MM-ddTHH:mm:ss}+00:00\""], DifferenceText.Of(_order.Conflict(ConflictKinds.Missing, "ledger")));
    }

    [Fact]
    public void Given_an_expectation_target_in_another_state_when_disagreement_opens_then_the_expected_state_and_each_claim_are_named()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0), _order.Signal("auditor-x", "ledger", "reversed", "a1", 10), TickAt(700));

        var conflict = _order.State.Conflicts.Values.Single(c => c.Kind == ConflictKinds.Disagreement && c.Facet == "ledger");
        Assert.Equal(["state: expected=\"recorded\", auditor-x=\"reversed\""], DifferenceText.Of(conflict));
    }

    [Fact]
    public void Given_an_effect_before_its_outcome_when_premature_effect_opens_then_the_expected_and_actual_outcomes_are_named()
    {
        _order.Given(_order.Signal("email", "notification", "confirmation-sent", "m1", 0), TickAt(200));

        Assert.Equal(["outcome: expected=\"succeeded\", actual=\"pending\""], DifferenceText.Of(_order.Conflict(ConflictKinds.PrematureEffect)));
    }

    [Fact]
    public void Given_an_unknown_facet_or_state_when_unmodeled_opens_then_the_name_is_given_by_source()
    {
        _order.Given(_order.Signal("erp", "tax", "filed", "x0", 0), _order.Signal("warehouse", "inventory", "lost", "w1", 1));

        Assert.Equal(["facet: erp=\"tax\""], DifferenceText.Of(_order.Conflict(ConflictKinds.Unmodeled, "tax")));
        Assert.Equal(["state: warehouse=\"lost\""], DifferenceText.Of(_order.Conflict(ConflictKinds.Unmodeled, "inventory")));
    }

    [Fact]
    public void Given_a_conflict_record_when_it_reopens_then_it_takes_the_new_differences()
    {
        _order.Given(_order.Signal("crm", "journey", "purchased", "c1", 0), _order.Signal("erp", "journey", "browsing", "x1", 0), TickAt(400),
            _order.Signal("erp", "journey", "purchased", "x2", 500), _order.Signal("erp", "journey", "abandoned-cart", "x3", 600), TickAt(1000));

        var reopened = _order.Conflict(ConflictKinds.Disagreement);
        Assert.Equal(2, reopened.Occurrences);
        Assert.Equal(["state: crm=\"purchased\", erp=\"abandoned-cart\""], DifferenceText.Of(reopened));
    }
}
