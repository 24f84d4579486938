using NpgsqlTypes;
using Reconciler.Core.State;

namespace Reconciler.Store.Projections;

/// <summary>A row of the <c>operations</c> listing projection: what the list endpoint filters on and shows.</summary>
public sealed record OperationRow(string OperationId, string OperationType, int PolicyVersion, string Outcome, string Health, DateTimeOffset? NextDeadline)
{
    public static OperationRow Of(string operationId, string operationType, OperationState state) =>
        new(operationId, operationType, state.PolicyVersion, state.Outcome, state.Health, state.NextDeadline);

    /// <summary>Whether a write from <paramref name="before"/> to <paramref name="after"/> changes the row (or creates it).</summary>
    public static bool Changes(OperationState before, OperationState after) =>
        before.Version == 0 || before.PolicyVersion != after.PolicyVersion || before.Outcome != after.Outcome
        || before.Health != after.Health || before.NextDeadline != after.NextDeadline;
}

/// <summary>The <c>operations</c> table's columns (besides seq, created_at and created_tx, which PostgreSQL fills).</summary>
public static class OperationsProjection
{
    public static ProjectionTable<OperationRow> Table { get; } = new("operations", "operation_id",
    [
        new("operation_id", NpgsqlDbType.Text, r => r.OperationId),
        new("operation_type", NpgsqlDbType.Text, r => r.OperationType),
        new("policy_version", NpgsqlDbType.Integer, r => r.PolicyVersion),
        new("outcome", NpgsqlDbType.Text, r => r.Outcome),
        new("health", NpgsqlDbType.Text, r => r.Health),
        new("next_deadline", NpgsqlDbType.TimestampTz, r => r.NextDeadline),
    ]);
}
