using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Stories;

/// <summary>
/// Seed story 1: the payment callback is delivered twice and retried under a new delivery id, the
/// warehouse reserves, the ERP is silent past its deadline and records late, the CRM still says
/// abandoned cart, and the confirmation email goes out before the outcome was declared.
/// </summary>
public sealed class OrderStoryTests
{
    private readonly Scenario _order = new(SamplePolicies.Order, "order-1001");

    private void PlayUntilErpIsLate()
    {
        _order.Given(
            _order.Signal("crm", "journey", "abandoned-cart", "crm-1", 0),
            _order.Signal("payment-gateway", "payment", "authorized", "pgw-delivery-76", 5, sequence: 11, effectKey: "txn-9f2"),
            _order.Signal("payment-gateway", "payment", "captured", "pgw-delivery-77", 10, sequence: 12, effectKey: "txn-9f2"),
            _order.Signal("payment-gateway", "payment", "captured", "pgw-delivery-77", 11, sequence: 12, effectKey: "txn-9f2"),
            _order.Signal("payment-gateway", "payment", "captured", "pgw-delivery-78", 40, sequence: 12, effectKey: "txn-9f2"),
            _order.Signal("warehouse", "inventory", "reserved", "wh-1", 60),
            _order.Signal("email", "notification", "confirmation-sent", "mail-1", 90, effectKey: "msg-1"),
            TickAt(220),
            TickAt(320),
            TickAt(620));
    }

    [Fact]
    public void Given_the_order_story_when_the_erp_deadline_passes_then_exactly_these_conflicts_are_open()
    {
        PlayUntilErpIsLate();

        var conflicts = _order.State.Conflicts.Values.OrderBy(c => c.FirstOpenedAt).ThenBy(c => c.Kind, StringComparer.Ordinal)
            .Select(c => (c.Kind, c.Facet, c.Status, c.Resolution)).ToList();
        Assert.Equal(
            [
                (ConflictKinds.Duplicate, "payment", "resolved", Resolutions.Absorbed),
                (ConflictKinds.Retry, "payment", "resolved", Resolutions.Absorbed),
                (ConflictKinds.PrematureEffect, "notification", "open", null),
                (ConflictKinds.Disagreement, "journey", "open", null),
                (ConflictKinds.Missing, "ledger", "open", null),
            ],
            conflicts);
        Assert.Equal((Outcomes.Pending, HealthStates.Conflicted), (_order.State.Outcome, _order.State.Health));
        Assert.Equal(["crm", "payment-gateway"], _order.Conflict(ConflictKinds.Disagreement).Sources);
        Assert.Equal(["erp", "payment-gateway"], _order.Conflict(ConflictKinds.Missing).Sources);
        Assert.Equal(At(220), _order.Conflict(ConflictKinds.PrematureEffect).OpenedAt);
    }

    [Fact]
    public void Given_the_order_story_when_the_erp_records_late_then_succeeded_is_declared_and_only_the_crm_disagreement_stays_open()
    {
        PlayUntilErpIsLate();

        var events = _order.When(_order.Signal("erp", "ledger", "recorded", "erp-1", 900));

        Assert.Equal(["SignalReceived", "OutcomeDeclared", "ExpectationMet", "ConflictResolved", "ExpectationMet", "ConflictResolved"], Types(events));
        var declared = events.OfType<OutcomeDeclared>().Single();
        Assert.Equal(("succeeded", 1), (declared.Outcome, declared.RuleIndex));
        Assert.Equal(["captured", "reserved", "recorded"], new[] { "payment", "inventory", "ledger" }.Select(f => declared.FacetStates[f]));
        Assert.Equal((Resolutions.Converged, 280d), (_order.Conflict(ConflictKinds.Missing).Resolution,
            events.OfType<ConflictResolved>().Single(r => r.Kind == ConflictKinds.Missing).OpenSeconds));
        Assert.Equal(Resolutions.Converged, _order.Conflict(ConflictKinds.PrematureEffect).Resolution);
        Assert.Equal("open", _order.Conflict(ConflictKinds.Disagreement).Status);
        Assert.Equal(("succeeded", HealthStates.Conflicted), (_order.State.Outcome, _order.State.Health));
        Assert.Equal(["purchased", "abandoned-cart"], _order.Conflict(ConflictKinds.Disagreement).States);
    }

    [Fact]
    public void Given_the_order_story_when_replayed_then_the_stream_tells_what_was_known_and_when()
    {
        PlayUntilErpIsLate();
        _order.When(_order.Signal("erp", "ledger", "recorded", "erp-1", 900));

        var signals = _order.History.OfType<SignalReceived>().Select(s => (s.SignalId, s.Applied, s.Judgement)).ToList();
        Assert.Equal(
            [
                ("crm-1", true, "fresh"), ("pgw-delivery-76", true, "fresh"), ("pgw-delivery-77", true, "fresh"),
                ("pgw-delivery-78", false, ConflictKinds.Retry), ("wh-1", true, "fresh"), ("mail-1", true, "fresh"), ("erp-1", true, "fresh"),
            ],
            signals);
        Assert.Single(_order.History.OfType<SignalDuplicated>());
        Assert.Equal(3, _order.History.OfType<DeadlinePassed>().Count());
        Assert.Equal(_order.History.Count, _order.State.Version);
        Assert.Equal(OperationDecider.Fold(_order.History).Outcome, _order.State.Outcome);
    }
}
