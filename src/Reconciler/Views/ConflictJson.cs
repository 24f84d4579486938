using System.Text.Json;
using Reconciler.Api;
using Reconciler.Core.Views;

namespace Reconciler.Views;

/// <summary>A conflict record as API.md names its fields; <c>EvidenceVersions</c> are stream versions of the operation.</summary>
public sealed record ConflictView(
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
    string Status,
    DateTimeOffset? ResolvedAt,
    string? Resolution,
    string? ResolvedBy,
    string? Reason,
    int Occurrences,
    int? ExpectationIndex,
    IReadOnlyList<long> EvidenceVersions)
{
    public static ConflictView From(ConflictRecord c, string operationId, string operationType) => new(
        c.ConflictId, operationId, operationType, c.Kind, c.Severity, c.Facet, c.Sources, c.States, c.Detail,
        c.OpenedAt, c.FirstOpenedAt, c.Status, c.ResolvedAt, c.Resolution, c.ResolvedBy, c.Reason, c.Occurrences,
        c.ExpectationIndex, c.EvidenceVersions);
}

public static class ConflictJson
{
    public static string Serialize(ConflictRecord conflict, string operationId, string operationType) =>
        JsonSerializer.Serialize(ConflictView.From(conflict, operationId, operationType), ApiJson.Options);
}
