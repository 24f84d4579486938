using Npgsql;
using NpgsqlTypes;
using Reconciler.Core.Backtests;
using Reconciler.Store.Cluster;

namespace Reconciler.Store.Backtests;

/// <summary>A backtest the worker takes on: the candidate, its range and time, where a run before this one stopped, and how
/// many times it was started before.</summary>
public sealed record BacktestRun(
    string Id, string OperationType, string Candidate, DateTimeOffset? From, DateTimeOffset? To, DateTimeOffset AsOf,
    string Status, long? Total, long Done, string AfterOperation, string? Summary, int Attempts);

/// <summary>
/// The worker's side of the <c>backtests</c> table: the next backtest (one under way first, so a restart resumes it), its start,
/// each page committed with its changes and progress in one transaction, and its end. Every write runs under the worker's
/// lease (its fence first in the transaction) and only while the backtest is still running: a cancelled one is never written.
/// </summary>
public sealed class BacktestRuns(NpgsqlDataSource dataSource)
{
    /// <summary>The backtest to run next: one that was under way (a restart or a takeover), else the oldest queued.</summary>
    public async Task<BacktestRun?> NextAsync(CancellationToken ct)
    {
        const string sql = """
            SELECT backtest_id, operation_type, candidate, range_from, range_to, as_of, status, total, done, after_operation, summary::text, attempts
            FROM backtests WHERE status IN ('queued', 'running')
            ORDER BY status = 'running' DESC, created_at, backtest_id LIMIT 1
            """;
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        return new BacktestRun(reader.GetString(0), reader.GetString(1), reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
            reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetInt64(7), reader.GetInt64(8),
            reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetInt32(11));
    }

    /// <summary>Marks it running from now (a first start keeps <paramref name="total"/>; a resumed one its own); false when it was cancelled.</summary>
    public async Task<bool> StartAsync(BacktestRun run, long total, LeaseFence fence, CancellationToken ct)
    {
        const string sql = """
            UPDATE backtests SET status = 'running', started_at = coalesce(started_at, now()), total = coalesce(total, $2),
                resumed_at = now(), resumed_done = done, attempts = attempts + 1
            WHERE backtest_id = $1 AND status IN ('queued', 'running')
            """;
        return await WriteAsync(fence, sql, ct, run.Id, total) == 1;
    }

    /// <summary>
    /// Commits one page: its operations' changes (binary COPY), the cursor past its last operation, the operations done and the
    /// summary so far, in one transaction. False, and nothing written, when the backtest is no longer running (cancelled).
    /// </summary>
    public async Task<bool> CommitPageAsync(
        BacktestRun run, IReadOnlyList<OperationBacktest> page, string afterOperation, long done, BacktestSummary summary, LeaseFence fence, CancellationToken ct)
    {
        const string progressSql = """
            UPDATE backtests SET after_operation = $2, done = $3, summary = $4 WHERE backtest_id = $1 AND status = 'running'
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await fence.EnsureHeldAsync(connection, transaction, ct);
        await using (var progress = new NpgsqlCommand(progressSql, connection, transaction))
        {
            progress.Parameters.Add(new() { Value = run.Id });
            progress.Parameters.Add(new() { Value = afterOperation });
            progress.Parameters.Add(new() { Value = done });
            progress.Parameters.Add(new() { Value = Json(summary), NpgsqlDbType = NpgsqlDbType.Jsonb });
            // Locks the row first: a cancellation waits for this page, or this page finds it cancelled.
            if (await progress.ExecuteNonQueryAsync(ct) != 1)
            {
                await transaction.RollbackAsync(ct);
                return false;
            }
        }
        await BacktestChanges.CopyAsync(connection, run.Id, page, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Ends it with its complete summary (hash included); false when it was cancelled meanwhile.</summary>
    public async Task<bool> FinishAsync(BacktestRun run, BacktestSummary summary, LeaseFence fence, CancellationToken ct)
    {
        const string sql = """
            UPDATE backtests SET status = 'done', ended_at = now(), summary = $2, summary_hash = $3, total = done
            WHERE backtest_id = $1 AND status = 'running'
            """;
        return await WriteAsync(fence, sql, ct, run.Id, new NpgsqlParameter { Value = Json(summary), NpgsqlDbType = NpgsqlDbType.Jsonb },
            summary.Hash!) == 1;
    }

    /// <summary>Ends it as failed, saying why (what was compared so far stays readable).</summary>
    public async Task FailAsync(BacktestRun run, string error, LeaseFence fence, CancellationToken ct)
    {
        const string sql = "UPDATE backtests SET status = 'failed', ended_at = now(), error = $2 WHERE backtest_id = $1 AND status IN ('queued', 'running')";
        await WriteAsync(fence, sql, ct, run.Id, error);
    }

    private static string Json(BacktestSummary summary) => System.Text.Encoding.UTF8.GetString(BacktestSummary.ToJsonBytes(summary));

    private async Task<int> WriteAsync(LeaseFence fence, string sql, CancellationToken ct, params object[] values)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await fence.EnsureHeldAsync(connection, transaction, ct);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        }
        var rows = await command.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return rows;
    }
}
