using System.Text.Json;
using Reconciler.Core.State;
using Reconciler.Store.Projections;

namespace Reconciler.IntegrationTests.Projections;

/// <summary>The conflicts projection's JSON document carries who answers for a conflict, and leaves it out for records without.</summary>
public sealed class ConflictDocumentTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static readonly ConflictRecord Plain = new("disagreement-1", "disagreement", "medium", "ledger", ["erp", "warehouse"], T0, ConflictRecord.Open,
        null, null, null, null, 1, [3], ["recorded", "reversed"], T0, "erp and warehouse still disagree on 'ledger'.", null);

    [Fact]
    public void Given_a_record_with_an_assignee_and_a_clock_when_projected_then_the_document_carries_them()
    {
        var record = Plain with
        {
            Assignee = "ops-leads",
            AssignedBy = "ann",
            AssignReason = "theirs",
            DueBy = T0.AddHours(1),
            AcknowledgedBy = "bob",
            AcknowledgedAt = T0.AddMinutes(5),
            SnoozedUntil = T0.AddHours(2),
            SnoozedBy = "bob",
            SnoozeReason = "batch at noon",
            OverdueAt = T0.AddHours(1),
            EscalatedAt = T0.AddHours(1),
        };

        using var json = JsonDocument.Parse(ConflictDocument.From(record, "order-1", "order").ToJson());

        var root = json.RootElement;
        Assert.Equal(("ops-leads", "ann", "theirs", "bob", "batch at noon"), (root.GetProperty("assignee").GetString(), root.GetProperty("assignedBy").GetString(),
            root.GetProperty("assignReason").GetString(), root.GetProperty("acknowledgedBy").GetString(), root.GetProperty("snoozeReason").GetString()));
        Assert.Equal((T0.AddHours(1), T0.AddMinutes(5), T0.AddHours(2), T0.AddHours(1), T0.AddHours(1)), (root.GetProperty("dueBy").GetDateTimeOffset(),
            root.GetProperty("acknowledgedAt").GetDateTimeOffset(), root.GetProperty("snoozedUntil").GetDateTimeOffset(), root.GetProperty("overdueAt").GetDateTimeOffset(),
            root.GetProperty("escalatedAt").GetDateTimeOffset()));
    }

    [Fact]
    public void Given_a_record_without_accountability_when_projected_then_the_document_has_none_of_its_fields()
    {
        var json = ConflictDocument.From(Plain, "order-1", "order").ToJson();

        foreach (var name in new[] { "assignee", "assignedBy", "assignReason", "dueBy", "acknowledgedBy", "acknowledgedAt", "snoozedUntil", "snoozedBy",
            "snoozeReason", "overdueAt", "escalatedAt" })
        {
            Assert.DoesNotContain($"\"{name}\"", json, StringComparison.Ordinal);
        }
        Assert.Contains("\"conflictId\":\"disagreement-1\"", json, StringComparison.Ordinal);
    }
}
