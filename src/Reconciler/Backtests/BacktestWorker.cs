using Reconciler.Cluster;
using Reconciler.Store.Backtests;
using Reconciler.Hosting;
using Reconciler.Plumbing;

namespace Reconciler.Backtests;

/// <summary>
/// The one backtest worker of the cluster: the server holding the <see cref="LeaseName"/> lease runs the backtests one at a time,
/// one under way first (a restart or a takeover resumes it after its last committed page), then the oldest queued; the others
/// take the lease over when its holder dies or stops.
/// </summary>
public sealed class BacktestWorker(
    LeaseKeeper keeper, BacktestRuns runs, BacktestRunner runner, WorkerAlarm<BacktestWorker> alarm, BacktestOptions options, TimeProvider clock, ILogger<BacktestWorker> logger)
    : LeasedWorker(LeaseName, keeper, clock, logger)
{
    public const string LeaseName = "backtests";

    protected override async Task LeadAsync(HeldLease lease, CancellationToken stoppingToken)
    {
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
        while (!leading.IsCancellationRequested)
        {
            if (await runs.NextAsync(leading.Token) is not { } run)
            {
                await alarm.WaitAsync(options.Poll, leading.Token);
                continue;
            }
            await runner.RunAsync(run, lease, leading.Token);
        }
    }
}
