using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Store.Projections;

/// <summary>
/// The session's temporary tables a rebuild folds into (<c>rebuilt_operations</c>, <c>rebuilt_conflicts</c>):
/// the live tables' shape (<c>LIKE</c>) plus what the swap needs (the folded version and snapshot, and each
/// row's place in the listing), written by binary COPY of the same columns the live writer upserts
/// (<see cref="OperationsProjection"/>, <see cref="ConflictsProjection"/>). Temporary, so two rebuilds never
/// see each other's rows and a crashed one leaves nothing behind.
/// </summary>
public static class ScratchTables
{
    private const string CreateSql = """
        DROP TABLE IF EXISTS pg_temp.rebuilt_operations;
        DROP TABLE IF EXISTS pg_temp.rebuilt_conflicts;
        CREATE TEMP TABLE rebuilt_operations (LIKE operations);
        ALTER TABLE rebuilt_operations DROP COLUMN seq, ADD COLUMN version bigint NOT NULL, ADD COLUMN snapshot bytea NOT NULL,
            ADD COLUMN first_position bigint NOT NULL;
        CREATE TEMP TABLE rebuilt_conflicts (LIKE conflicts);
        ALTER TABLE rebuilt_conflicts DROP COLUMN seq, ADD COLUMN open_position bigint NOT NULL;
        """;

    // Indexed after the bulk load (cheaper than maintaining them row by row), before the catch-up deletes by operation.
    private const string IndexSql = """
        CREATE UNIQUE INDEX ON pg_temp.rebuilt_operations (operation_id);
        CREATE INDEX ON pg_temp.rebuilt_conflicts (operation_id);
        ANALYZE pg_temp.rebuilt_operations;
        ANALYZE pg_temp.rebuilt_conflicts;
        """;

    private static readonly ProjectionColumn<FoldedOperation>[] OperationExtras =
    [
        new("version", NpgsqlDbType.Bigint, o => o.Version),
        new("snapshot", NpgsqlDbType.Bytea, o => o.Snapshot),
        new("first_position", NpgsqlDbType.Bigint, o => o.FirstPosition),
        new("created_tx", NpgsqlDbType.Xid8, o => o.FirstTransaction),
        new("created_at", NpgsqlDbType.TimestampTz, o => o.CreatedAt),
    ];

    private static readonly ProjectionColumn<FoldedConflict>[] ConflictExtras =
    [
        new("open_position", NpgsqlDbType.Bigint, c => c.OpenPosition),
        new("created_tx", NpgsqlDbType.Xid8, c => c.OpenTransaction),
    ];

    public static Task CreateAsync(NpgsqlConnection connection, CancellationToken ct) => ExecuteAsync(connection, null, CreateSql, ct);

    public static Task IndexAsync(NpgsqlConnection connection, CancellationToken ct) => ExecuteAsync(connection, null, IndexSql, ct);

    /// <summary>Streams whose live version differs from the folded one: written (or created) since their page was read.</summary>
    public static async Task<List<string>> ChangedStreamsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        const string Sql = """
            SELECT s.stream_id FROM streams s LEFT JOIN pg_temp.rebuilt_operations r ON r.operation_id = s.stream_id
            WHERE r.version IS DISTINCT FROM s.version AND s.operation_type <> '$system'
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
        await CopyAsync(connection, "pg_temp.rebuilt_operations", folded, [.. Lift(OperationsProjection.Table.Columns, (FoldedOperation o) => o.Row), .. OperationExtras], ct);
        var conflicts = folded.SelectMany(o => o.Conflicts).ToList();
        if (conflicts.Count > 0)
        {
            await CopyAsync(connection, "pg_temp.rebuilt_conflicts", conflicts, [.. Lift(ConflictsProjection.Table.Columns, (FoldedConflict c) => c.Row), .. ConflictExtras], ct);
        }
    }

    // Replaces the live rows with the rebuilt ones, each with its place in the listing as ingest gave it (the
    // transaction and order of the event that created it). Every index and constraint of the migrations stays.
    private const string SwapSql = """
        DELETE FROM conflicts;
        DELETE FROM operations;
        INSERT INTO operations (seq, operation_id, operation_type, policy_version, outcome, health, next_deadline, created_at, created_tx)
        OVERRIDING SYSTEM VALUE
        SELECT row_number() OVER (ORDER BY first_position, operation_id), operation_id, operation_type, policy_version, outcome, health,
               next_deadline, created_at, created_tx
        FROM pg_temp.rebuilt_operations;
        INSERT INTO conflicts (seq, conflict_id, operation_id, operation_type, kind, severity, facet, sources, status, opened_at, resolved_at,
                               resolution, resolved_by, reason, occurrences, evidence_versions, record, created_tx)
        OVERRIDING SYSTEM VALUE
        SELECT row_number() OVER (ORDER BY open_position, conflict_id), conflict_id, operation_id, operation_type, kind, severity, facet, sources,
               status, opened_at, resolved_at, resolution, resolved_by, reason, occurrences, evidence_versions, record, created_tx
        FROM pg_temp.rebuilt_conflicts;

        SELECT setval(pg_get_serial_sequence('operations', 'seq'), coalesce((SELECT max(seq) FROM operations), 0) + 1, false);
        SELECT setval(pg_get_serial_sequence('conflicts', 'seq'), coalesce((SELECT max(seq) FROM conflicts), 0) + 1, false);
        """;

    public static Task SwapAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) =>
        ExecuteAsync(connection, transaction, SwapSql, ct);

    // After the swap, outside its lock: the writers' snapshots that differ from the fold are replaced where the
    // stream has not moved since (a writer's newer snapshot stays). Writers serialize on advisory locks, not on
    // these rows, so this statement only ever waits for a writer's commit, never deadlocks with it.
    private const string RefreshSnapshotsSql = """
        UPDATE streams s SET snapshot = r.snapshot FROM pg_temp.rebuilt_operations r
        WHERE s.stream_id = r.operation_id AND s.version = r.version AND s.snapshot IS DISTINCT FROM r.snapshot
        """;

    public static Task RefreshSnapshotsAsync(NpgsqlConnection connection, CancellationToken ct) => ExecuteAsync(connection, null, RefreshSnapshotsSql, ct);

    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task CopyAsync<T>(NpgsqlConnection connection, string target, IEnumerable<T> rows, IReadOnlyList<ProjectionColumn<T>> columns, CancellationToken ct)
    {
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {target} ({string.Join(", ", columns.Select(c => c.Name))}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(ct);
            foreach (var column in columns)
            {
                await column.WriteAsync(importer, row, ct);
            }
        }
        await importer.CompleteAsync(ct);
    }

    /// <summary>The columns of a projection row, read through the folded value that holds the row.</summary>
    private static IReadOnlyList<ProjectionColumn<TOuter>> Lift<TRow, TOuter>(IReadOnlyList<ProjectionColumn<TRow>> columns, Func<TOuter, TRow> row) =>
        columns.Select(c => c.Through(row)).ToList();
}
