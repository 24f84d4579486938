using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using Reconciler.Core.Views;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Events;

public sealed class EventCodecTests
{
    public static Scenario Busy()
    {
        var order = new Scenario(SamplePolicies.Order);
        order.Given(
            order.Signal("payment-gateway", "payment", "captured", "p1", 0, sequence: 1, effectKey: "txn-1", attributes: """{"amount":"129.90"}"""),
            order.Signal("payment-gateway", "payment", "captured", "p1", 1, sequence: 1, effectKey: "txn-1", attributes: """{"amount":"129.90"}"""),
            order.Signal("crm", "journey", "abandoned-cart", "c1", 2),
            order.Signal("erp", "journey", "purchased", "x9", 2),
            order.Signal("email", "notification", "confirmation-sent", "e1", 3, effectKey: "m1"),
            order.Signal("erp", "tax", "filed", "x0", 4),
            TickAt(700),
            order.Signal("warehouse", "inventory", "reserved", "w1", 800),
            order.Signal("erp", "ledger", "recorded", "x1", 900));
        var id = order.Conflict(ConflictKinds.Unmodeled).ConflictId;
        order.Given(new ResolveConflict(id, Resolutions.Dismissed, "tax is out of scope", "ann", null, At(950), 1));
        return order;
    }

    [Fact]
    public void Given_every_event_type_when_serialized_and_deserialized_then_it_round_trips()
    {
        var history = Busy().History;
        var types = history.Select(EventCodec.TypeName).ToHashSet();

        Assert.Superset(new HashSet<string>(["SignalReceived", "SignalDuplicated", "ConflictOpened", "ConflictResolved", "DivergenceStarted",
            "ExpectationArmed", "ExpectationMet", "DeadlinePassed", "OutcomeDeclared", "OperatorResolved"]), types);
        foreach (var e in history)
        {
            var json = EventCodec.Serialize(e);
            var back = EventCodec.Deserialize(EventCodec.TypeName(e), json);
            Assert.Equal(json, EventCodec.Serialize(back));
            Assert.Equal(e.GetType(), back.GetType());
        }
    }

    [Fact]
    public void Given_an_event_when_serialized_then_json_is_camel_case_without_clr_names()
    {
        var json = EventCodec.Serialize(Busy().History[0]);

        Assert.Contains("\"signalId\":\"p1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"policyVersion\":1", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Reconciler", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_an_unknown_type_name_when_deserialized_then_it_throws()
    {
        Assert.Throws<ArgumentException>(() => EventCodec.Deserialize("SomethingElse", "{}"));
    }

    [Fact]
    public void Given_a_history_when_the_state_is_snapshot_then_it_round_trips()
    {
        var state = Busy().State;

        var bytes = OperationSnapshot.Write(state);
        var back = OperationSnapshot.Read(bytes)!;

        Assert.Equal(StateDump.Of(state), StateDump.Of(back));
        Assert.Equal(bytes, OperationSnapshot.Write(back));
        Assert.Equal((state.Version, state.Outcome, state.Health, state.NextDeadline), (back.Version, back.Outcome, back.Health, back.NextDeadline));
        Assert.True(state.Conflicts.Count > 0 && state.Reports.Count > 0, "the history exercises conflicts and reports");
    }

    [Fact]
    public void Given_a_restored_snapshot_when_deciding_then_it_decides_like_the_live_state()
    {
        var order = Busy();
        var restored = OperationSnapshot.Read(OperationSnapshot.Write(order.State))!;
        var next = order.Signal("crm", "journey", "purchased", "c2", 1000);

        var live = OperationDecider.Decide(order.State, order.Policy, next).Select(EventCodec.Serialize);
        var fromSnapshot = OperationDecider.Decide(restored, order.Policy, next).Select(EventCodec.Serialize);

        Assert.Equal(live, fromSnapshot);
    }

    [Fact]
    public void Given_a_snapshot_in_another_format_when_read_then_it_is_null_so_the_events_are_folded_instead()
    {
        var bytes = OperationSnapshot.Write(Busy().State);
        bytes[0] = OperationSnapshot.Format + 1;

        Assert.Null(OperationSnapshot.Read(bytes));
        Assert.Null(OperationSnapshot.Read("{\"operationId\":\"op-1\"}"u8));
        Assert.Null(OperationSnapshot.Read([]));
    }
}
