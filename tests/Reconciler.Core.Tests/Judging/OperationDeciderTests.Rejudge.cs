using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>A policy fix reaches the signals already received: open unmodeled conflicts judged again under a newer version.</summary>
public sealed partial class OperationDeciderTests
{
    /// <summary>The order policy, version 2: the gateway may report a partial refund after a capture, and the ERP files taxes.</summary>
    private static readonly TruthPolicy OrderWithRefunds = SamplePolicies.Order with
    {
        Facets = SamplePolicies.Order.Facets
            .SetItem("payment", SamplePolicies.Facet("payment-gateway", ["authorized", "captured", "declined", "refunded", "partially-refunded"],
                new() { ["authorized"] = ["captured", "declined"], ["captured"] = ["refunded", "partially-refunded"], ["partially-refunded"] = ["refunded"] }))
            .Add("tax", SamplePolicies.Facet("erp", ["filed"])),
    };

    /// <summary>Version 3: a chargeback may follow a partial refund as well.</summary>
    private static readonly TruthPolicy OrderWithChargebacks = OrderWithRefunds with
    {
        Facets = OrderWithRefunds.Facets
            .SetItem("payment", SamplePolicies.Facet("payment-gateway", ["authorized", "captured", "declined", "refunded", "partially-refunded", "chargeback"],
                new() { ["authorized"] = ["captured", "declined"], ["captured"] = ["refunded", "partially-refunded"], ["partially-refunded"] = ["refunded", "chargeback"] })),
    };

    private string GivenAPartialRefundTheOrderPolicyLacks()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0),
            _order.Signal("payment-gateway", "payment", "partially-refunded", "p2", 10, observedAt: At(9)));
        return _order.Conflict(ConflictKinds.Unmodeled, "payment").ConflictId;
    }

    [Fact]
    public void Given_an_unmodeled_state_when_a_version_naming_it_rejudges_the_conflict_then_the_signal_is_applied_and_the_conflict_closes_modeled_by_policy()
    {
        var id = GivenAPartialRefundTheOrderPolicyLacks();
        var receivedVersion = _order.History.FindIndex(e => e is SignalReceived { SignalId: "p2" }) + 1;

        var events = _order.Publish(OrderWithRefunds).When(_order.Rejudge(id, 100, 2));

        Assert.Equal(["SignalRejudged", "ConflictResolved"], Types(events));
        var rejudged = Assert.IsType<SignalRejudged>(events[0]);
        Assert.Equal((id, receivedVersion, At(10), 1), (rejudged.ConflictId, rejudged.ReceivedVersion, rejudged.ReceivedAt, rejudged.ReceivedPolicyVersion));
        Assert.Equal((true, "fresh", SourceStandings.Owner, 2, At(100)), (rejudged.Applied, rejudged.Judgement, rejudged.Role, rejudged.PolicyVersion, rejudged.At));
        Assert.Equal(("p2", At(9)), (rejudged.SignalId, rejudged.ObservedAt));
        var resolved = Assert.IsType<ConflictResolved>(events[1]);
        Assert.Equal((id, Resolutions.ModeledByPolicy, 2), (resolved.ConflictId, resolved.Resolution, resolved.PolicyVersion));
        var payment = _order.State.Facets["payment"];
        Assert.Equal(("partially-refunded", Bases.Owner, At(100)), (payment.State, payment.Basis, payment.Since));
        Assert.Equal((At(10), At(9)), (payment.Claims.Single().At, payment.Claims.Single().ObservedAt));
        var record = _order.State.Conflicts[id];
        Assert.Equal(("resolved", Resolutions.ModeledByPolicy), (record.Status, record.Resolution));
        Assert.Contains("Policy version 2", record.Reason, StringComparison.Ordinal);
        Assert.Contains(_order.State.Version - 1, record.EvidenceVersions);
        Assert.Empty(_order.State.Unmodeled);
        Assert.Equal(HealthStates.Consistent, _order.State.Health);
    }

    [Fact]
    public void Given_a_rejudged_conflict_when_the_same_rejudge_comes_again_then_nothing_new_is_decided()
    {
        var id = GivenAPartialRefundTheOrderPolicyLacks();
        _order.Publish(OrderWithRefunds).Given(_order.Rejudge(id, 100, 2));

        Assert.Empty(_order.When(_order.Rejudge(id, 100, 2)));
        Assert.Empty(_order.When(_order.Rejudge(id, 200, 2)));
    }

    [Fact]
    public void Given_a_facet_the_policy_lacked_when_a_version_declares_it_then_the_signal_is_applied_with_its_role()
    {
        _order.Given(_order.Signal("erp", "tax", "filed", "x1", 0));
        var id = _order.Conflict(ConflictKinds.Unmodeled, "tax").ConflictId;

        var events = _order.Publish(OrderWithRefunds).When(_order.Rejudge(id, 30, 2));

        var rejudged = Assert.IsType<SignalRejudged>(events[0]);
        Assert.Equal((true, SourceStandings.Owner), (rejudged.Applied, rejudged.Role));
        Assert.Equal(("filed", Bases.Owner), (_order.State.Facets["tax"].State, _order.State.Facets["tax"].Basis));
        Assert.Equal(Resolutions.ModeledByPolicy, _order.State.Conflicts[id].Resolution);
    }

    [Fact]
    public void Given_an_unmodeled_signal_older_than_a_later_claim_when_rejudged_then_it_is_stale_and_the_conflict_still_closes()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0, sequence: 1),
            _order.Signal("payment-gateway", "payment", "partially-refunded", "p2", 10, sequence: 2),
            _order.Signal("payment-gateway", "payment", "refunded", "p3", 20, sequence: 3));
        var id = _order.Conflict(ConflictKinds.Unmodeled).ConflictId;

        var events = _order.Publish(OrderWithRefunds).When(_order.Rejudge(id, 30, 2));

        Assert.Equal(["SignalRejudged", "ConflictOpened", "ConflictResolved", "ConflictResolved"], Types(events));
        Assert.Equal((false, ConflictKinds.Stale), (((SignalRejudged)events[0]).Applied, ((SignalRejudged)events[0]).Judgement));
        Assert.Equal(Resolutions.Absorbed, _order.Conflict(ConflictKinds.Stale).Resolution);
        Assert.Equal(Resolutions.ModeledByPolicy, _order.State.Conflicts[id].Resolution);
        Assert.Equal("refunded", _order.State.Facets["payment"].State);
    }

    [Fact]
    public void Given_a_non_owner_claim_the_policy_lacked_when_rejudged_then_it_diverges_from_the_owner()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0), _order.Signal("erp", "payment", "partially-refunded", "x1", 5));
        var id = _order.Conflict(ConflictKinds.Unmodeled).ConflictId;

        var events = _order.Publish(OrderWithRefunds).When(_order.Rejudge(id, 30, 2));

        Assert.Equal(["SignalRejudged", "DivergenceStarted", "ConflictResolved"], Types(events));
        Assert.Equal((true, SourceStandings.NonOwner), (((SignalRejudged)events[0]).Applied, ((SignalRejudged)events[0]).Role));
        Assert.Equal(("captured", HealthStates.Diverging), (_order.State.Facets["payment"].State, _order.State.Health));
        Assert.Equal(("erp", "x1"), (((DivergenceStarted)events[1]).CauseSource, ((DivergenceStarted)events[1]).CauseSignalId));
    }

    [Fact]
    public void Given_two_signals_held_when_a_version_names_one_then_it_alone_is_rejudged_and_the_next_version_closes_the_conflict()
    {
        var id = GivenAPartialRefundTheOrderPolicyLacks();
        _order.Given(_order.Signal("payment-gateway", "payment", "chargeback", "p3", 20));
        Assert.Equal(2, _order.State.Unmodeled[id].Count);

        var first = _order.Publish(OrderWithRefunds).When(_order.Rejudge(id, 100, 2));
        var again = _order.When(_order.Rejudge(id, 110, 2));
        var second = _order.Publish(OrderWithChargebacks).When(_order.Rejudge(id, 200, 3));

        Assert.Equal(["SignalRejudged"], Types(first));
        Assert.Equal("p2", ((SignalRejudged)first[0]).SignalId);
        Assert.Empty(again);
        Assert.Equal(["SignalRejudged", "ConflictResolved"], Types(second));
        Assert.Equal(("p3", 3), (((SignalRejudged)second[0]).SignalId, second[1].PolicyVersion));
        Assert.Equal("chargeback", _order.State.Facets["payment"].State);
        Assert.Contains("'chargeback'", _order.State.Conflicts[id].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_version_that_still_lacks_the_state_when_rejudged_then_nothing_is_decided()
    {
        var id = GivenAPartialRefundTheOrderPolicyLacks();

        Assert.Empty(_order.Publish(SamplePolicies.Order with { GraceSeconds = 60 }).When(_order.Rejudge(id, 100, 2)));
        Assert.True(_order.State.IsConflictOpen(id));
    }

    [Fact]
    public void Given_an_unmodeled_conflict_an_operator_dismissed_when_rejudged_then_nothing_is_decided()
    {
        var id = GivenAPartialRefundTheOrderPolicyLacks();
        _order.Given(new ResolveConflict(id, Resolutions.Dismissed, "known gap", "ann", null, At(50), 1));

        Assert.Empty(_order.Publish(OrderWithRefunds).When(_order.Rejudge(id, 100, 2)));
        Assert.Equal("captured", _order.State.Facets["payment"].State);
    }

    [Fact]
    public void Given_signals_the_conflict_does_not_hold_when_rejudged_then_nothing_is_decided()
    {
        var id = GivenAPartialRefundTheOrderPolicyLacks();
        var held = _order.Rejudge(id, 100, 2);
        _order.Publish(OrderWithRefunds);

        Assert.Empty(_order.When(held with { Signals = [] }));
        Assert.Empty(_order.When(held with { Signals = [.. held.Signals.Select(s => s with { Version = s.Version + 100 })] }));
        Assert.Empty(_order.When(held with { ConflictId = "unmodeled-0000000000000000" }));
        Assert.True(_order.State.IsConflictOpen(id));
    }

    [Fact]
    public void Given_an_unparsable_decimal_when_a_version_compares_it_as_text_then_the_conflict_closes_and_the_value_is_compared()
    {
        var pay = new Scenario(SamplePolicies.Payments, "pay-rejudge");
        pay.Given(pay.Signal("payment-gateway", "payment", "captured", "g1", 0, attributes: """{"amount":"12,50"}"""),
            pay.Signal("erp", "payment", "captured", "e1", 1, attributes: """{"amount":"12.50"}"""));
        var id = pay.Conflict(ConflictKinds.Unmodeled).ConflictId;
        var asText = WithAmount(SamplePolicies.Payments, new DeclaredAttribute("amount", AttributeType.Exact, null));

        var still = pay.When(pay.Rejudge(id, 10, 2));
        var events = pay.Publish(asText).When(pay.Rejudge(id, 20, 3));

        Assert.Empty(still);
        Assert.Equal(["ConflictResolved", "DivergenceStarted"], Types(events));
        Assert.Equal(("amount", ConflictKinds.AttributeMismatch), (((DivergenceStarted)events[1]).Attribute, ((DivergenceStarted)events[1]).Kind));
        var resolved = Assert.IsType<ConflictResolved>(events[0]);
        Assert.Equal((Resolutions.ModeledByPolicy, 3), (resolved.Resolution, resolved.PolicyVersion));
        Assert.Contains("as text", pay.State.Conflicts[id].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => e is SignalRejudged);
        Assert.Empty(pay.When(pay.Rejudge(id, 30, 3)));
    }

    [Fact]
    public void Given_an_unparsable_decimal_when_a_version_no_longer_declares_it_then_the_conflict_closes()
    {
        var pay = new Scenario(SamplePolicies.Payments, "pay-rejudge-2");
        pay.Given(pay.Signal("payment-gateway", "payment", "captured", "g1", 0, attributes: """{"capturedAt":"yesterday"}"""));
        var id = pay.Conflict(ConflictKinds.Unmodeled).ConflictId;
        var payment = SamplePolicies.Payments.Facets["payment"];
        var without = SamplePolicies.Payments with
        {
            Facets = SamplePolicies.Payments.Facets.SetItem("payment", payment with { Attributes = payment.Attributes.RemoveAll(a => a.Name == "capturedAt") }),
        };

        var events = pay.Publish(without).When(pay.Rejudge(id, 20, 2));

        Assert.Equal(["ConflictResolved"], Types(events));
        Assert.Contains("no longer declares 'capturedAt'", pay.State.Conflicts[id].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_rejudge_when_its_events_are_folded_and_snapshot_then_they_give_the_live_state()
    {
        var id = GivenAPartialRefundTheOrderPolicyLacks();
        _order.Given(_order.Signal("payment-gateway", "payment", "chargeback", "p3", 20), _order.Signal("erp", "tax", "filed", "x1", 30));
        var held = OperationSnapshot.Read(OperationSnapshot.Write(_order.State))!;
        Assert.Equal(StateDump.Of(_order.State), StateDump.Of(held));

        _order.Publish(OrderWithRefunds).Given(_order.Rejudge(id, 100, 2));
        var restored = OperationSnapshot.Read(OperationSnapshot.Write(_order.State))!;

        Assert.Equal(StateDump.Of(_order.State), StateDump.Of(OperationDecider.Fold(_order.History)));
        Assert.Equal(StateDump.Of(_order.State), StateDump.Of(restored));
        Assert.Single(restored.Unmodeled[id]);
        var rejudged = _order.History.OfType<SignalRejudged>().Single();
        Assert.Equal(EventCodec.Serialize(rejudged), EventCodec.Serialize(EventCodec.Deserialize("SignalRejudged", EventCodec.Serialize(rejudged))));
        Assert.Contains("\"receivedVersion\":", EventCodec.Serialize(rejudged), StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_snapshot_of_format_4_when_read_then_it_is_folded_again_since_it_counted_unmodeled_signals_as_reports()
    {
        var bytes = OperationSnapshot.Write(_order.Given(_order.Signal("erp", "tax", "filed", "x1", 0)).State);
        bytes[0] = 4;

        Assert.Null(OperationSnapshot.Read(bytes));
    }

    private static TruthPolicy WithAmount(TruthPolicy policy, DeclaredAttribute amount)
    {
        var payment = policy.Facets["payment"];
        return policy with
        {
            Facets = policy.Facets.SetItem("payment", payment with { Attributes = payment.Attributes.SetItem(payment.Attributes.FindIndex(a => a.Name == "amount"), amount) }),
            Matches = ImmutableList<AttributeMatch>.Empty,
        };
    }
}
