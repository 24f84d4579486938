using Reconciler.Cluster;
using Reconciler.Store.Cluster;

namespace Reconciler.Deadlines;

/// <summary>
/// The one active deadline worker of the cluster: the server holding the <see cref="LeaseName"/> lease ticks
/// due operations, every write fenced by that lease; the others ask for it every
/// <see cref="LeaseTiming.AcquireEvery"/> and take it over when its holder dies or stops. It sleeps until the
/// earliest deadline, at most <see cref="MaxSleep"/>, and wakes early on new writes of this server.
/// </summary>
public sealed class DeadlineWorker(
    LeaseKeeper keeper, DeadlineTicker ticker, DeadlineAlarm alarm, TimeProvider clock, ILogger<DeadlineWorker> logger)
    : LeasedWorker(LeaseName, keeper, clock, logger)
{
    public const string LeaseName = "deadlines";
    private const int BatchSize = 200;
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Ticks while the lease holds. A write under way when the lease goes is not cancelled: it runs to its end,
    /// where the database's fence refuses it (the one guard that cannot be late); the loop stops after it.
    /// </summary>
    protected override async Task LeadAsync(HeldLease lease, CancellationToken stoppingToken)
    {
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
        while (!leading.IsCancellationRequested)
        {
            if (await ticker.TickDueAsync(BatchSize, lease.Fence, stoppingToken) >= BatchSize)
            {
                continue;
            }
            var next = await ticker.NextDueAsync(stoppingToken);
            var sleep = next is { } due ? due - Clock.GetUtcNow() : MaxSleep;
            if (sleep > TimeSpan.Zero)
            {
                await alarm.WaitAsync(sleep < MaxSleep ? sleep : MaxSleep, leading.Token);
            }
        }
    }
}
