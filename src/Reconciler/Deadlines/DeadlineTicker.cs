using Reconciler.Core.Judging;
using Reconciler.Store.Sources;
using Reconciler.Store.Cluster;
using Reconciler.Store.Operations;
using Reconciler.Store.Writing;

namespace Reconciler.Deadlines;

/// <summary>
/// Lets due deadlines pass on the one write path: the due operations locked and loaded together, a
/// <see cref="Tick"/> at the server's clock decided for each, and what it decides (DeadlinePassed and the
/// conflicts it opens) appended and projected in one commit.
/// </summary>
public sealed class DeadlineTicker(OperationQuery operations, OperationWriter writer, SourceMonitor sources, TimeProvider clock)
{
    /// <summary>
    /// Ticks up to <paramref name="batchSize"/> due operations under the deadline lease's <paramref name="fence"/>;
    /// returns how many were due. Throws <see cref="LeaseLostException"/> when the lease was taken over.
    /// </summary>
    public async Task<int> TickDueAsync(int batchSize, LeaseFence fence, CancellationToken ct)
    {
        var due = await operations.DueAsync(clock.GetUtcNow(), batchSize, ct);
        if (due.Count == 0)
        {
            return 0;
        }
        var watch = await sources.WatchAsync(ct);
        var scope = new WriteScope(due.Select(d => d.OperationId).ToList(), due.Select(d => d.OperationType).Distinct().ToList(), Fence: fence);
        await writer.WriteAsync(scope, batch =>
        {
            foreach (var (id, type) in due)
            {
                if (batch.LatestPolicyVersion(type) is not { } version)
                {
                    continue;
                }
                // Nothing when another server (or a signal) let it pass since we looked.
                batch.Decide(id, type, version, new Tick(batch.Now, version) { Sources = watch }, EventMetadata.None);
            }
            return due.Count;
        }, ct);
        Telemetry.ReconcilerTelemetry.DeadlinesTicked.Add(due.Count);
        return due.Count;
    }

    /// <summary>The earliest pending deadline of any operation, or null when there is none.</summary>
    public Task<DateTimeOffset?> NextDueAsync(CancellationToken ct) => operations.NextDeadlineAsync(ct);
}
