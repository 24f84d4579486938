using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.State;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Events;

/// <summary>The accountability events and state as stored: explicit type names, camelCase fields, snapshot format 6.</summary>
public sealed class AccountabilityCodecTests
{
    /// <summary>Every accountability event: the finish clock, a conflict acknowledged, snoozed, assigned, overdue, escalated, unfinished.</summary>
    private static Scenario Lifecycle()
    {
        var order = new Scenario(SamplePolicies.Accountable, "order-life");
        order.Given(order.Signal("erp", "ledger", "recorded", "x1", 0), order.Signal("warehouse", "ledger", "reversed", "w1", 0), TickAt(400));
        var id = order.Conflict(ConflictKinds.Disagreement, "ledger").ConflictId;
        order.Given(new AcknowledgeConflict(id, "ann", At(500), 1), new SnoozeConflict(id, At(5000), "batch at noon", "ann", At(510), 1),
            new AssignConflict(id, "treasury", "a currency question", "bob", At(520), 1), TickAt(4100), new AcknowledgeConflict(id, "lea", At(4200), 1),
            TickAt(7300));
        return order;
    }

    [Fact]
    public void Given_every_accountability_event_when_serialized_then_it_round_trips_under_its_explicit_name()
    {
        var history = Lifecycle().History;

        Assert.Superset(new HashSet<string>(["FinishClockStarted", "ConflictAcknowledged", "ConflictSnoozed", "ConflictAssigned", "ConflictOverdue",
            "ConflictEscalated"]), history.Select(EventCodec.TypeName).ToHashSet());
        foreach (var e in history)
        {
            var json = EventCodec.Serialize(e);
            var back = EventCodec.Deserialize(EventCodec.TypeName(e), json);
            Assert.Equal(json, EventCodec.Serialize(back));
            if (e is FinishClockStarted or ConflictAcknowledged or ConflictSnoozed or ConflictAssigned or ConflictOverdue or ConflictEscalated)
            {
                Assert.Equal(e, back);
            }
        }
    }

    [Fact]
    public void Given_the_accountability_events_when_serialized_then_their_fields_are_camel_case()
    {
        var history = Lifecycle().History;

        Assert.Contains("\"assignee\":\"finance\",\"dueBy\":\"2026-11-21T11:06:40+00:00\"",
            EventCodec.Serialize(history.OfType<ConflictOpened>().First()), StringComparison.Ordinal);
        Assert.Contains("\"previousAssignee\":\"finance\",\"assignee\":\"treasury\",\"reason\":\"a currency question\",\"assignedBy\":\"bob\"",
            EventCodec.Serialize(history.OfType<ConflictAssigned>().Single()), StringComparison.Ordinal);
        Assert.Contains("\"since\":\"2026-11-21T10:00:00+00:00\",\"due\":\"2026-11-21T12:00:00+00:00\",\"finishWithin\":\"PT2H\"",
            EventCodec.Serialize(history.OfType<FinishClockStarted>().Single()), StringComparison.Ordinal);
        Assert.Contains("\"until\":\"2026-11-21T11:23:20+00:00\",\"reason\":\"batch at noon\",\"snoozedBy\":\"ann\"",
            EventCodec.Serialize(history.OfType<ConflictSnoozed>().Single()), StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_state_with_people_and_clocks_when_snapshot_then_it_round_trips_and_decides_alike()
    {
        var order = Lifecycle();
        var state = order.State;
        var record = state.Conflicts.Values.Single(c => c.Kind == ConflictKinds.Disagreement);
        Assert.Equal(("ops-leads", "lea", At(5000)), (record.Assignee, record.AcknowledgedBy, record.SnoozedUntil));
        Assert.True(record.Overdue && state.FinishPassed && state.Conflicts.Values.Any(c => c.Kind == ConflictKinds.Unfinished));

        var bytes = OperationSnapshot.Write(state);
        var back = OperationSnapshot.Read(bytes)!;

        Assert.Equal(6, bytes[0]);
        Assert.Equal(StateDump.Of(state), StateDump.Of(back));
        Assert.Equal(bytes, OperationSnapshot.Write(back));
        var next = order.Signal("erp", "ledger", "recorded", "x2", 9000);
        Assert.Equal(OperationDecider.Decide(state, order.Policy, next).Select(EventCodec.Serialize),
            OperationDecider.Decide(back, order.Policy, next).Select(EventCodec.Serialize));
    }

    [Fact]
    public void Given_a_snapshot_of_format_5_when_read_then_it_is_null_so_the_events_are_folded_with_their_clocks()
    {
        var bytes = OperationSnapshot.Write(Lifecycle().State);
        bytes[0] = 5;

        Assert.Null(OperationSnapshot.Read(bytes));
    }
}
