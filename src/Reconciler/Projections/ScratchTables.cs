using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Projections;

/// <summary>
/// The session's temporary tables a rebuild folds into (<c>rebuilt_operations</c>, <c>rebuilt_conflicts</c>),
/// written by binary COPY, and the statements that swap them into the live projections. Temporary, so two
/// rebuilds never see each other's rows and a crashed one leaves nothing behind.
/// </summary>
public static class ScratchTables
{
    private const string CreateSql = """
        DROP TABLE IF EXISTS pg_temp.rebuilt_operations;
        DROP TABLE IF EXISTS pg_temp.rebuilt_conflicts;
        CREATE TEMP TABLE rebuilt_operations (
            operation_id text NOT NULL, operation_type text NOT NULL, version bigint NOT NULL, policy_version integer NOT NULL,
            outcome text NOT NULL, health text NOT NULL, next_deadline timestamptz NULL, snapshot text NOT NULL,
            first_position bigint NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
        CREATE TEMP TABLE rebuilt_conflicts (
            conflict_id text NOT NULL, operation_id text NOT NULL, operation_type text NOT NULL, kind text NOT NULL, severity text NOT NULL,
            facet text NULL, sources text[] NOT NULL, status text NOT NULL, opened_at timestamptz NOT NULL, resolved_at timestamptz NULL,
            resolution text NULL, resolved_by text NULL, reason text NULL, occurrences integer NOT NULL, evidence_versions bigint[] NOT NULL,
            record jsonb NOT NULL, open_position bigint NOT NULL);
        """;

    // Indexed after the bulk load (cheaper than maintaining them row by row), before the catch-up deletes by operation.
    private const string IndexSql = """
        CREATE UNIQUE INDEX ON pg_temp.rebuilt_operations (operation_id);
        CREATE INDEX ON pg_temp.rebuilt_conflicts (operation_id);
        ANALYZE pg_temp.rebuilt_operations;
        ANALYZE pg_temp.rebuilt_conflicts;
        """;

    public static Task CreateAsync(NpgsqlConnection connection, CancellationToken ct) => ExecuteAsync(connection, null, CreateSql, ct);

    public static Task IndexAsync(NpgsqlConnection connection, CancellationToken ct) => ExecuteAsync(connection, null, IndexSql, ct);

    /// <summary>Streams whose live version differs from the folded one: written (or created) since their page was read.</summary>
    public static async Task<List<string>> ChangedStreamsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        const string Sql = """
            SELECT s.stream_id FROM streams s LEFT JOIN pg_temp.rebuilt_operations r ON r.operation_id = s.stream_id
            WHERE r.version IS DISTINCT FROM s.version
            """;
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var ids = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    public static async Task ForgetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string> operationIds, CancellationToken ct)
    {
        const string Sql = """
            DELETE FROM pg_temp.rebuilt_operations WHERE operation_id = ANY($1);
            DELETE FROM pg_temp.rebuilt_conflicts WHERE operation_id = ANY($1);
            """;
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var statement in Sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(statement) { Parameters = { new NpgsqlParameter<string[]> { TypedValue = operationIds.ToArray() } } });
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Writes folded operations and their conflicts by binary COPY (two COPYs on the session's connection).</summary>
    public static async Task WriteAsync(NpgsqlConnection connection, IReadOnlyList<FoldedOperation> folded, CancellationToken ct)
    {
        await using (var operations = await connection.BeginBinaryImportAsync("""
            COPY pg_temp.rebuilt_operations (operation_id, operation_type, version, policy_version, outcome, health, next_deadline, snapshot,
                                             first_position, created_at, updated_at) FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            foreach (var o in folded)
            {
                await operations.StartRowAsync(ct);
                await operations.WriteAsync(o.OperationId, NpgsqlDbType.Text, ct);
                await operations.WriteAsync(o.OperationType, NpgsqlDbType.Text, ct);
                await operations.WriteAsync(o.State.Version, NpgsqlDbType.Bigint, ct);
                await operations.WriteAsync(o.State.PolicyVersion, NpgsqlDbType.Integer, ct);
                await operations.WriteAsync(o.State.Outcome, NpgsqlDbType.Text, ct);
                await operations.WriteAsync(o.State.Health, NpgsqlDbType.Text, ct);
                await WriteTimeAsync(operations, o.State.NextDeadline, ct);
                await operations.WriteAsync(o.SnapshotJson, NpgsqlDbType.Text, ct);
                await operations.WriteAsync(o.FirstPosition, NpgsqlDbType.Bigint, ct);
                await operations.WriteAsync(o.CreatedAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
                await operations.WriteAsync(o.UpdatedAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
            }
            await operations.CompleteAsync(ct);
        }

        if (!folded.Any(o => o.Conflicts.Count > 0))
        {
            return;
        }
        await using var conflicts = await connection.BeginBinaryImportAsync("""
            COPY pg_temp.rebuilt_conflicts (conflict_id, operation_id, operation_type, kind, severity, facet, sources, status, opened_at, resolved_at,
                                            resolution, resolved_by, reason, occurrences, evidence_versions, record, open_position) FROM STDIN (FORMAT BINARY)
            """, ct);
        foreach (var o in folded)
        {
            foreach (var (c, openPosition, recordJson) in o.Conflicts)
            {
                await conflicts.StartRowAsync(ct);
                await conflicts.WriteAsync(c.ConflictId, NpgsqlDbType.Text, ct);
                await conflicts.WriteAsync(o.OperationId, NpgsqlDbType.Text, ct);
                await conflicts.WriteAsync(o.OperationType, NpgsqlDbType.Text, ct);
                await conflicts.WriteAsync(c.Kind, NpgsqlDbType.Text, ct);
                await conflicts.WriteAsync(c.Severity, NpgsqlDbType.Text, ct);
                await WriteTextAsync(conflicts, c.Facet, ct);
                await conflicts.WriteAsync(c.Sources.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await conflicts.WriteAsync(c.Status, NpgsqlDbType.Text, ct);
                await conflicts.WriteAsync(c.OpenedAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
                await WriteTimeAsync(conflicts, c.ResolvedAt, ct);
                await WriteTextAsync(conflicts, c.Resolution, ct);
                await WriteTextAsync(conflicts, c.ResolvedBy, ct);
                await WriteTextAsync(conflicts, c.Reason, ct);
                await conflicts.WriteAsync(c.Occurrences, NpgsqlDbType.Integer, ct);
                await conflicts.WriteAsync(c.EvidenceVersions.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint, ct);
                await conflicts.WriteAsync(recordJson, NpgsqlDbType.Jsonb, ct);
                await conflicts.WriteAsync(openPosition, NpgsqlDbType.Bigint, ct);
            }
        }
        await conflicts.CompleteAsync(ct);
    }

    // Replaces the live rows with the rebuilt ones. seq is renumbered in creation order: operations by their
    // stream's first event, conflicts by the event that first opened them (the order ingest inserted them in);
    // the identity then continues after the last one. Every index and constraint of the migrations stays as is.
    private const string SwapSql = """
        DELETE FROM conflicts;
        DELETE FROM operations;
        INSERT INTO operations (seq, operation_id, operation_type, version, policy_version, outcome, health, next_deadline, snapshot, created_at, updated_at)
        OVERRIDING SYSTEM VALUE
        SELECT row_number() OVER (ORDER BY first_position, operation_id), operation_id, operation_type, version, policy_version, outcome, health,
               next_deadline, snapshot, created_at, updated_at
        FROM pg_temp.rebuilt_operations;
        INSERT INTO conflicts (seq, conflict_id, operation_id, operation_type, kind, severity, facet, sources, status, opened_at, resolved_at,
                               resolution, resolved_by, reason, occurrences, evidence_versions, record)
        OVERRIDING SYSTEM VALUE
        SELECT row_number() OVER (ORDER BY open_position, conflict_id), conflict_id, operation_id, operation_type, kind, severity, facet, sources,
               status, opened_at, resolved_at, resolution, resolved_by, reason, occurrences, evidence_versions, record
        FROM pg_temp.rebuilt_conflicts;
        SELECT setval(pg_get_serial_sequence('operations', 'seq'), coalesce((SELECT max(seq) FROM operations), 0) + 1, false);
        SELECT setval(pg_get_serial_sequence('conflicts', 'seq'), coalesce((SELECT max(seq) FROM conflicts), 0) + 1, false);
        """;

    public static Task SwapAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) =>
        ExecuteAsync(connection, transaction, SwapSql, ct);

    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static Task WriteTextAsync(NpgsqlBinaryImporter importer, string? value, CancellationToken ct) =>
        value is null ? importer.WriteNullAsync(ct) : importer.WriteAsync(value, NpgsqlDbType.Text, ct);

    private static Task WriteTimeAsync(NpgsqlBinaryImporter importer, DateTimeOffset? value, CancellationToken ct) =>
        value is { } v ? importer.WriteAsync(v.UtcDateTime, NpgsqlDbType.TimestampTz, ct) : importer.WriteNullAsync(ct);
}
