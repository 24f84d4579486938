using Npgsql;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Operations;
using Reconciler.Policies;

namespace Reconciler.Deadlines;

/// <summary>
/// Lets due deadlines pass: for each due operation, under its lock, decide a <see cref="Tick"/> at the
/// server's clock and append what it decides (DeadlinePassed and the conflicts it opens) like any write.
/// </summary>
public sealed class DeadlineTicker(NpgsqlDataSource dataSource, WriteTransactions transactions, OperationRows rows, PolicyRepository policies, TimeProvider clock)
{
    private const string DueSql = """
        SELECT operation_id, operation_type FROM operations
        WHERE next_deadline <= $1 ORDER BY next_deadline LIMIT $2
        """;
    private const string NextDueSql = "SELECT min(next_deadline) FROM operations WHERE next_deadline IS NOT NULL";

    /// <summary>Ticks up to <paramref name="batchSize"/> due operations; returns how many were due.</summary>
    public async Task<int> TickDueAsync(int batchSize, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = new List<(string Id, string Type)>();
        await using (var command = dataSource.CreateCommand(DueSql))
        {
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        if (due.Count == 0)
        {
            return 0;
        }
        await transactions.RunAsync(async (connection, transaction, token) =>
        {
            var tickAt = clock.GetUtcNow();
            var loaded = await rows.LockAndLoadAsync(connection, transaction, due.Select(d => d.Id).ToList(), due.Select(d => d.Type).Distinct().ToList(), null, [], token);
            var changes = new List<OperationChange>();
            foreach (var (id, type) in due)
            {
                var state = loaded.Get(id).State;
                if (!loaded.LatestPolicyVersions.TryGetValue(type, out var version))
                {
                    continue;
                }
                var policy = (await policies.GetAsync(type, version, token))!.Policy;
                // Nothing when another server (or a signal) let it pass since we looked.
                var events = DueDeadlines.Pass(state, policy, tickAt, version);
                var after = events.Aggregate(state, OperationDecider.Evolve);
                changes.Add(new OperationChange(id, type, state, after, events,
                    events.Select(_ => new EventMetadata(null, null, null, null, null)).ToList(), []));
            }
            await rows.SaveAsync(connection, transaction, changes, token);
            return changes.Count;
        }, ct);
        Telemetry.ReconcilerTelemetry.DeadlinesTicked.Add(due.Count);
        return due.Count;
    }

    /// <summary>The earliest pending deadline of any operation, or null when there is none.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(NextDueSql);
        return await command.ExecuteScalarAsync(ct) is DateTime next ? new DateTimeOffset(next, TimeSpan.Zero) : null;
    }
}
