using Npgsql;
using Reconciler.Store.Replicas;
using NpgsqlTypes;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Backtests;

/// <summary>The states of a backtest: waiting for the worker, under way, and the three ends.</summary>
public static class BacktestStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool HasEnded(string status) => status is Done or Failed or Cancelled;
}

/// <summary>A backtest asked for: its id, the candidate in normal form and its hash, the range on the operations' first signal,
/// the time the candidate's deadlines are ticked up to, and who asked.</summary>
public sealed record BacktestRequest(
    string Id, string OperationType, string Candidate, string CandidateHash, DateTimeOffset? From, DateTimeOffset? To, DateTimeOffset AsOf, string RequestedBy);

/// <summary>A backtest as the API shows it. <c>Summary</c> is the stored JSON (so far, while it runs); <c>ReadAt</c> the database's clock.</summary>
public sealed record BacktestRow(
    string Id, string OperationType, string CandidateHash, DateTimeOffset? From, DateTimeOffset? To, DateTimeOffset AsOf, string Status,
    string? RequestedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, long? Total, long Done,
    DateTimeOffset? ResumedAt, long ResumedDone, string? Summary, string? Error, DateTimeOffset ReadAt);

/// <summary>What a DELETE did: nothing (unknown id), cancelled a backtest waiting or under way, or deleted one that had ended.</summary>
public enum BacktestRemoval
{
    Unknown,
    Cancelled,
    Deleted,
}

/// <summary>
/// The <c>backtests</c> table (migration 0017) as the API uses it: a backtest is stored queued, read, listed per operation type
/// (newest first, optionally of one candidate), cancelled while it waits or runs, deleted with its changes once it ended.
/// The worker's side is <see cref="BacktestRuns"/>.
/// </summary>
public sealed class BacktestStore(NpgsqlDataSource dataSource, ReadSource reads)
{
    private const string Columns = """
        backtest_id, operation_type, candidate_hash, range_from, range_to, as_of, status, requested_by, created_at, started_at, ended_at,
        total, done, resumed_at, resumed_done, summary::text, error, clock_timestamp()
        """;

    public async Task<BacktestRow> CreateAsync(BacktestRequest request, CancellationToken ct)
    {
        const string sql = $"""
            INSERT INTO backtests (backtest_id, operation_type, candidate, candidate_hash, range_from, range_to, as_of, status, requested_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8)
            RETURNING {Columns}
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = request.Id });
        command.Parameters.Add(new() { Value = request.OperationType });
        command.Parameters.Add(new() { Value = request.Candidate });
        command.Parameters.Add(new() { Value = request.CandidateHash });
        command.Parameters.Add(Time(request.From));
        command.Parameters.Add(Time(request.To));
        command.Parameters.Add(new() { Value = request.AsOf });
        command.Parameters.Add(new() { Value = request.RequestedBy });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return Row(reader);
    }

    public async Task<BacktestRow?> GetAsync(string id, CancellationToken ct)
    {
        await using var command = reads.DataSource.CreateCommand($"SELECT {Columns} FROM backtests WHERE backtest_id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Row(reader) : null;
    }

    /// <summary>The backtests of a type, newest first; only those of one candidate and status when given.</summary>
    public async Task<IReadOnlyList<BacktestRow>> ListAsync(string operationType, string? candidateHash, string? status, int limit, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {Columns} FROM backtests
            WHERE operation_type = $1 AND ($2::text IS NULL OR candidate_hash = $2) AND ($3::text IS NULL OR status = $3)
            ORDER BY created_at DESC, backtest_id LIMIT $4
            """;
        await using var command = reads.DataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = operationType });
        command.Parameters.Add(new() { Value = (object?)candidateHash ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<BacktestRow>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(Row(reader));
        }
        return rows;
    }

    /// <summary>
    /// Cancels a backtest that waits or runs (the worker stops before its next page commits: nothing of it is written after
    /// this), or deletes one that ended, with its changes.
    /// </summary>
    public async Task<(BacktestRemoval Removal, BacktestRow? Row)> CancelOrDeleteAsync(string id, CancellationToken ct)
    {
        const string cancelSql = $"""
            UPDATE backtests SET status = 'cancelled', ended_at = now() WHERE backtest_id = $1 AND status IN ('queued', 'running')
            RETURNING {Columns}
            """;
        const string deleteSql = "DELETE FROM backtests WHERE backtest_id = $1";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var cancel = new NpgsqlCommand(cancelSql, connection) { Parameters = { new() { Value = id } } })
        await using (var reader = await cancel.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                return (BacktestRemoval.Cancelled, Row(reader));
            }
        }
        await using var delete = new NpgsqlCommand(deleteSql, connection) { Parameters = { new() { Value = id } } };
        return (await delete.ExecuteNonQueryAsync(ct) == 1 ? BacktestRemoval.Deleted : BacktestRemoval.Unknown, null);
    }


    private static BacktestRow Row(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), Optional(r, 3), Optional(r, 4), r.GetFieldValue<DateTimeOffset>(5), r.GetString(6),
        r.IsDBNull(7) ? null : r.GetString(7), r.GetFieldValue<DateTimeOffset>(8), Optional(r, 9), Optional(r, 10),
        r.IsDBNull(11) ? null : r.GetInt64(11), r.GetInt64(12), Optional(r, 13), r.GetInt64(14),
        r.IsDBNull(15) ? null : r.GetString(15), r.IsDBNull(16) ? null : r.GetString(16), r.GetFieldValue<DateTimeOffset>(17));

    private static DateTimeOffset? Optional(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
