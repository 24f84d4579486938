using NpgsqlTypes;
using Reconciler.Core.State;

namespace Reconciler.Store.Projections;

/// <summary>A row of the <c>conflicts</c> projection: the filterable columns and the whole record as JSON.</summary>
public sealed record ConflictRow(ConflictRecord Conflict, string OperationId, string OperationType)
{
    public string RecordJson { get; } = ConflictDocument.From(Conflict, OperationId, OperationType).ToJson();

    /// <summary>Adds the records a write changed: new ones and those the evolver replaced (records are immutable).</summary>
    public static void AddChanged(List<ConflictRow> rows, string operationId, string operationType, OperationState before, OperationState after)
    {
        if (ReferenceEquals(before.Conflicts, after.Conflicts))
        {
            return;
        }
        foreach (var (id, record) in after.Conflicts)
        {
            if (!before.Conflicts.TryGetValue(id, out var was) || !ReferenceEquals(was, record))
            {
                rows.Add(new ConflictRow(record, operationId, operationType));
            }
        }
    }
}

/// <summary>The <c>conflicts</c> table's columns (besides seq and created_tx, which PostgreSQL fills).</summary>
public static class ConflictsProjection
{
    public static ProjectionTable<ConflictRow> Table { get; } = new("conflicts", "conflict_id",
    [
        new("conflict_id", NpgsqlDbType.Text, r => r.Conflict.ConflictId),
        new("operation_id", NpgsqlDbType.Text, r => r.OperationId),
        new("operation_type", NpgsqlDbType.Text, r => r.OperationType),
        new("kind", NpgsqlDbType.Text, r => r.Conflict.Kind),
        new("severity", NpgsqlDbType.Text, r => r.Conflict.Severity),
        new("facet", NpgsqlDbType.Text, r => r.Conflict.Facet),
        new("sources", NpgsqlDbType.Array | NpgsqlDbType.Text, r => r.Conflict.Sources.ToArray()),
        new("status", NpgsqlDbType.Text, r => r.Conflict.Status),
        new("opened_at", NpgsqlDbType.TimestampTz, r => r.Conflict.OpenedAt),
        new("resolved_at", NpgsqlDbType.TimestampTz, r => r.Conflict.ResolvedAt),
        new("resolution", NpgsqlDbType.Text, r => r.Conflict.Resolution),
        new("resolved_by", NpgsqlDbType.Text, r => r.Conflict.ResolvedBy),
        new("reason", NpgsqlDbType.Text, r => r.Conflict.Reason),
        new("occurrences", NpgsqlDbType.Integer, r => r.Conflict.Occurrences),
        new("evidence_versions", NpgsqlDbType.Array | NpgsqlDbType.Bigint, r => r.Conflict.EvidenceVersions.ToArray()),
        new("record", NpgsqlDbType.Jsonb, r => r.RecordJson),
    ]);
}
