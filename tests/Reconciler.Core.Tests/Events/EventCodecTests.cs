using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using Reconciler.Core.State;
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

    [Fact]
    public void Given_the_new_events_and_differences_when_serialized_then_they_round_trip_with_camel_case_fields()
    {
        var pay = new Scenario(SamplePolicies.Payments, "pay-codec");
        pay.Given(pay.Signal("payment-gateway", "payment", "captured", "g1", 0, attributes: """{"amount":"100.00"}"""),
            pay.Signal("erp", "ledger", "recorded", "e1", 1, attributes: """{"amount":"101.00"}"""), TickAt(100),
            pay.Signal("erp", "ledger", "recorded", "e2", 200, attributes: """{"amount":"100.00"}"""), TickAt(4000),
            pay.Signal("payment-gateway", "payment", "refunded", "g2", 5000));
        var types = pay.History.Select(EventCodec.TypeName).ToHashSet();
        Assert.Superset(new HashSet<string>(["OutcomeRetracted", "OutcomeFinalized"]), types);

        foreach (var e in pay.History)
        {
            var json = EventCodec.Serialize(e);
            Assert.Equal(json, EventCodec.Serialize(EventCodec.Deserialize(EventCodec.TypeName(e), json)));
        }

        var mismatch = EventCodec.Serialize(pay.History.OfType<ConflictOpened>().First(c => c.Kind == ConflictKinds.AttributeMismatch));
        Assert.Contains("""
            "differences":[{"field":"amount","values":{"payment-gateway":"100.00","erp":"101.00"},"tolerance":"0.5%","facets":["payment","ledger"]}]
            """.Trim(), mismatch, StringComparison.Ordinal);
        var retracted = EventCodec.Serialize(pay.History.OfType<OutcomeRetracted>().Last());
        Assert.Contains("\"outcome\":\"succeeded\",\"finality\":\"final\"", retracted, StringComparison.Ordinal);
        Assert.Contains("\"causedBy\":\"payment-gateway/g2\"", retracted, StringComparison.Ordinal);
        Assert.Contains("\"finalAfter\":\"PT30M\"", EventCodec.Serialize(pay.History.OfType<OutcomeDeclared>().First()), StringComparison.Ordinal);
    }

    [Fact]
    public void Given_events_stored_before_finality_and_differences_when_read_then_they_fold_with_the_outcome_judged_from_the_state()
    {
        // As an OutcomeDeclared and a ConflictOpened were stored before finality and differences existed.
        var history = new OperationEvent[]
        {
            EventCodec.Deserialize("SignalReceived", """{"operationId":"op-1","operationType":"order","source":"payment-gateway","signalId":"p1","facet":"payment","state":"declined","observedAt":null,"sourceSequence":null,"effectKey":null,"attributesJson":null,"correlationId":null,"causationId":null,"contentHash":"h","applied":true,"role":"owner","judgement":"fresh","at":"2026-11-21T10:00:00+00:00","policyVersion":1}"""),
            EventCodec.Deserialize("OutcomeDeclared", """{"outcome":"failed","previousOutcome":"pending","ruleIndex":0,"facetStates":{"payment":"declined"},"at":"2026-11-21T10:00:00+00:00","policyVersion":1}"""),
            EventCodec.Deserialize("ConflictOpened", """{"conflictId":"unmodeled-1","kind":"unmodeled","severity":"medium","facet":"tax","sources":["erp"],"states":["filed"],"occurrence":1,"detail":"d","expectationIndex":null,"causeSource":"erp","causeSignalId":"x","at":"2026-11-21T10:00:01+00:00","policyVersion":1}"""),
        };

        var state = OperationDecider.Fold(history);

        Assert.Null(((OutcomeDeclared)history[1]).Finality);
        Assert.Null(((ConflictOpened)history[2]).Differences);
        Assert.Empty(state.Conflicts["unmodeled-1"].Differences);
        Assert.Equal(("failed", Finalities.Agreed, (DateTimeOffset?)null), (state.Outcome, state.OutcomeFinality, state.FinalDue));
    }
}
