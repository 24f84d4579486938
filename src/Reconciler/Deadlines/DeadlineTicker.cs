using Npgsql;
using Reconciler.Core.Judging;
using Reconciler.Store.Cluster;
using Reconciler.Store.Writing;

namespace Reconciler.Deadlines;

/// <summary>
/// Lets due deadlines pass on the one write path: the due operations locked and loaded together, a
/// <see cref="Tick"/> at the server's clock decided for each, and what it decides (DeadlinePassed and the
/// conflicts it opens) appended and projected in one commit.
/// </summary>
public sealed class DeadlineTicker(NpgsqlDataSource dataSource, OperationWriter writer, TimeProvider clock)
{
    private const string DueSql = """
        SELECT operation_id, operation_type FROM operations
        WHERE next_deadline <= $1 ORDER BY next_deadline LIMIT $2
        """;
    private const string NextDueSql = "SELECT min(next_deadline) FROM operations WHERE next_deadline IS NOT NULL";

    /// <summary>
    /// Ticks up to <paramref name="batchSize"/> due operations under the deadline lease's <paramref name="fence"/>;
    /// returns how many were due. Throws <see cref="LeaseLostException"/> when the lease was taken over.
    /// </summary>
    public async Task<int> TickDueAsync(int batchSize, LeaseFence fence, CancellationToken ct)
    {
        var due = new List<(string Id, string Type)>();
        await using (var command = dataSource.CreateCommand(DueSql))
        {
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = clock.GetUtcNow().UtcDateTime });
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
        var scope = new WriteScope(due.Select(d => d.Id).ToList(), due.Select(d => d.Type).Distinct().ToList(), Fence: fence);
        await writer.WriteAsync(scope, batch =>
        {
            foreach (var (id, type) in due)
            {
                if (batch.LatestPolicyVersion(type) is not { } version)
                {
                    continue;
                }
                // Nothing when another server (or a signal) let it pass since we looked.
                var (events, after) = OperationDecider.Handle(batch.StateOf(id), batch.Policy(type, version), new Tick(batch.Now, version));
                batch.Append(id, type, events, after, EventMetadata.None);
            }
            return due.Count;
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
