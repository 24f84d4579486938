using Npgsql;
using Reconciler.Store.Cluster;

namespace Reconciler.Store.Rejudging;

/// <summary>A run of re-judging as stored: its operation type and policy version, and where it stands.</summary>
public sealed record RejudgingRun(string OperationType, int PolicyVersion, string AfterConflict, long Examined);

/// <summary>A running run as the API shows it: conflicts still to look at (<c>Pending</c>), looked at (<c>Done</c>), and of
/// those the ones it re-judged (<c>Rejudged</c>) with the signals it judged again (<c>Signals</c>).</summary>
public sealed record RejudgingProgress(string OperationType, int PolicyVersion, long Pending, long Done, long Rejudged, long Signals, DateTimeOffset StartedAt);

/// <summary>
/// The <c>rejudgings</c> table (migration 0015): one row per run of re-judging after a policy fix. A run starts with the
/// policy version it judges under, in the same transaction (<see cref="StartWithVersionAsync"/>), or later on request
/// (<see cref="StartAsync"/>); storing a newer version of the type supersedes a run still going. The worker's progress is
/// written in the transaction of each page's events (<see cref="AdvanceAsync"/>), so a restart or a takeover resumes where
/// the last committed page ended.
/// </summary>
public sealed class RejudgingStore(NpgsqlDataSource dataSource)
{
    public const string Running = "running";

    // The same lock as storing a policy version: a run and the newest version of its type never cross.
    private const string LockSql = "SELECT pg_advisory_xact_lock(hashtextextended('policy:' || $1, 0))";
    private const string SupersedeSql = "UPDATE rejudgings SET status = 'superseded', ended_at = now() WHERE operation_type = $1 AND status = 'running' AND policy_version <> $2";

    // A run asked for again starts over once it has ended; a run still going is left as it is.
    private const string StartSql = """
        INSERT INTO rejudgings (operation_type, policy_version, status, requested_by) VALUES ($1, $2, 'running', $3)
        ON CONFLICT (operation_type, policy_version) DO UPDATE
        SET status = 'running', requested_by = excluded.requested_by, started_at = now(), ended_at = NULL,
            after_conflict = '', examined = 0, rejudged = 0, signals = 0
        WHERE rejudgings.status <> 'running'
        """;

    /// <summary>
    /// In the transaction that stored version <paramref name="version"/> of <paramref name="operationType"/> (its lock held): a
    /// run of an older version still going is superseded, and with <paramref name="rejudge"/> a run of this one starts.
    /// </summary>
    public static async Task StartWithVersionAsync(NpgsqlConnection connection, string operationType, int version, bool rejudge, string requestedBy, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command(SupersedeSql, operationType, version));
        if (rejudge)
        {
            batch.BatchCommands.Add(Command(StartSql, operationType, version, requestedBy));
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Starts a run under the newest version of <paramref name="operationType"/> (or finds the one going): its progress and that
    /// version. No progress when <paramref name="expectedVersion"/> is given and is not the newest; no version when the type has
    /// no policy.
    /// </summary>
    public async Task<(RejudgingProgress? Started, int? Newest)> StartAsync(string operationType, string requestedBy, int? expectedVersion, CancellationToken ct)
    {
        const string newestSql = "SELECT max(version) FROM policies WHERE operation_type = $1";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var locking = new NpgsqlCommand(LockSql, connection, transaction) { Parameters = { new() { Value = operationType } } })
        {
            await locking.ExecuteNonQueryAsync(ct);
        }
        await using (var newest = new NpgsqlCommand(newestSql, connection, transaction) { Parameters = { new() { Value = operationType } } })
        {
            if (await newest.ExecuteScalarAsync(ct) is not int version)
            {
                return (null, null);
            }
            if (expectedVersion is { } expected && expected != version)
            {
                return (null, version);
            }
            await StartWithVersionAsync(connection, operationType, version, true, requestedBy, ct);
        }
        // Read before the commit: the worker may end a run with nothing to do before this could read it after.
        var started = await ProgressAsync(connection, operationType, ct);
        await transaction.CommitAsync(ct);
        return (started, started?.PolicyVersion);
    }

    /// <summary>The run of <paramref name="operationType"/> going now with its progress, or null when none is.</summary>
    public async Task<RejudgingProgress?> ProgressAsync(string operationType, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ProgressAsync(connection, operationType, ct);
    }

    private static async Task<RejudgingProgress?> ProgressAsync(NpgsqlConnection connection, string operationType, CancellationToken ct)
    {
        // Pending is counted on the index of open unmodeled conflicts: those after the run's cursor.
        const string sql = """
            SELECT r.policy_version, r.examined, r.rejudged, r.signals, r.started_at,
                   (SELECT count(*) FROM conflicts c
                    WHERE c.operation_type = r.operation_type AND c.kind = 'unmodeled' AND c.status = 'open' AND c.conflict_id > r.after_conflict)
            FROM rejudgings r WHERE r.operation_type = $1 AND r.status = 'running'
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new() { Value = operationType });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new RejudgingProgress(operationType, reader.GetInt32(0), reader.GetInt64(5), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetFieldValue<DateTimeOffset>(4))
            : null;
    }

    /// <summary>The run the worker takes on next: the longest going, or null when none is.</summary>
    public async Task<RejudgingRun?> NextAsync(CancellationToken ct)
    {
        const string sql = """
            SELECT operation_type, policy_version, after_conflict, examined FROM rejudgings
            WHERE status = 'running' ORDER BY started_at, operation_type LIMIT 1
            """;
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new RejudgingRun(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3)) : null;
    }

    /// <summary>Records a page's progress in the page's own transaction (the one that wrote its events); false when the run
    /// is no longer going (a newer version superseded it).</summary>
    public static async Task<bool> AdvanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RejudgingRun run, string afterConflict,
        int examined, int rejudged, int signals, CancellationToken ct)
    {
        const string sql = """
            UPDATE rejudgings SET after_conflict = $3, examined = examined + $4, rejudged = rejudged + $5, signals = signals + $6
            WHERE operation_type = $1 AND policy_version = $2 AND status = 'running'
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new() { Value = run.OperationType });
        command.Parameters.Add(new() { Value = run.PolicyVersion });
        command.Parameters.Add(new() { Value = afterConflict });
        command.Parameters.Add(new() { Value = (long)examined });
        command.Parameters.Add(new() { Value = (long)rejudged });
        command.Parameters.Add(new() { Value = (long)signals });
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Ends a run that found nothing more to look at, under the worker's lease.</summary>
    public async Task FinishAsync(RejudgingRun run, LeaseFence fence, CancellationToken ct)
    {
        const string sql = "UPDATE rejudgings SET status = 'done', ended_at = now() WHERE operation_type = $1 AND policy_version = $2 AND status = 'running'";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await fence.EnsureHeldAsync(connection, transaction, ct);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new() { Value = run.OperationType });
        command.Parameters.Add(new() { Value = run.PolicyVersion });
        await command.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return command;
    }
}
