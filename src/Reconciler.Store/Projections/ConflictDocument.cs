using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using Reconciler.Core.Events;
using Reconciler.Core.State;

namespace Reconciler.Store.Projections;

/// <summary>
/// A conflict record as the <c>conflicts</c> projection stores it (its <c>record</c> column) and the API returns
/// it; <c>EvidenceVersions</c> are stream versions of the operation (the API adds their positions as <c>evidence</c>).
/// <c>Differences</c> is left out when a record has none (conflicts opened before differences existed), so that their
/// stored JSON stays what the events fold to. Not sealed: the API's OpenAPI contract extends it with the evidence it adds.
/// </summary>
public record ConflictDocument(
    string ConflictId,
    string OperationId,
    string OperationType,
    string Kind,
    string Severity,
    string? Facet,
    IReadOnlyList<string> Sources,
    IReadOnlyList<string> States,
    string Detail,
    DateTimeOffset OpenedAt,
    DateTimeOffset FirstOpenedAt,
    [property: Description("open or resolved")] string Status,
    DateTimeOffset? ResolvedAt,
    string? Resolution,
    string? ResolvedBy,
    string? Reason,
    int Occurrences,
    int? ExpectationIndex,
    IReadOnlyList<long> EvidenceVersions,
    IReadOnlyList<Difference>? Differences)
{
    /// <summary>Why a missing signal is missing (source-silent, not-reported); left out when nothing more is known.</summary>
    [Description("A missing signal's cause: source-silent or not-reported")]
    public string? Cause { get; init; }

    /// <summary>A resolution waiting for a second resolver (four-eyes); left out when none is.</summary>
    [Description("A resolution waiting for a second resolver (four-eyes)")]
    public PendingResolution? PendingResolution { get; init; }

    /// <summary>The second resolver of a four-eyes resolution; left out otherwise.</summary>
    [Description("The second resolver of a four-eyes resolution")]
    public string? ApprovedBy { get; init; }

    /// <summary>Who answers for it and its clock (docs/domain.md, "Accountability"); each left out while it has none.</summary>
    [Description("The team that answers for the conflict now")]
    public string? Assignee { get; init; }

    [Description("Who handed it to its assignee")]
    public string? AssignedBy { get; init; }

    [Description("Why it was handed to its assignee")]
    public string? AssignReason { get; init; }

    [Description("When it is overdue if still open")]
    public DateTimeOffset? DueBy { get; init; }

    [Description("The person who took it on")]
    public string? AcknowledgedBy { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    [Description("Out of the default queue until then")]
    public DateTimeOffset? SnoozedUntil { get; init; }

    public string? SnoozedBy { get; init; }

    public string? SnoozeReason { get; init; }

    [Description("When the engine saw dueBy pass with it open")]
    public DateTimeOffset? OverdueAt { get; init; }

    [Description("When it was escalated for being overdue")]
    public DateTimeOffset? EscalatedAt { get; init; }

    public static ConflictDocument From(ConflictRecord c, string operationId, string operationType) => new(
        c.ConflictId, operationId, operationType, c.Kind, c.Severity, c.Facet, c.Sources, c.States, c.Detail,
        c.OpenedAt, c.FirstOpenedAt, c.Status, c.ResolvedAt, c.Resolution, c.ResolvedBy, c.Reason, c.Occurrences,
        c.ExpectationIndex, c.EvidenceVersions, c.Differences.IsEmpty ? null : c.Differences)
    {
        Cause = c.Cause,
        PendingResolution = c.Pending,
        ApprovedBy = c.ApprovedBy,
        Assignee = c.Assignee,
        AssignedBy = c.AssignedBy,
        AssignReason = c.AssignReason,
        DueBy = c.DueBy,
        AcknowledgedBy = c.AcknowledgedBy,
        AcknowledgedAt = c.AcknowledgedAt,
        SnoozedUntil = c.SnoozedUntil,
        SnoozedBy = c.SnoozedBy,
        SnoozeReason = c.SnoozeReason,
        OverdueAt = c.OverdueAt,
        EscalatedAt = c.EscalatedAt,
    };

    public string ToJson() => JsonSerializer.Serialize(this, ConflictDocumentJson.Default.ConflictDocument);
}

/// <summary>camelCase, nulls left out: the API's conventions, written by generated code.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConflictDocument))]
internal sealed partial class ConflictDocumentJson : JsonSerializerContext;
