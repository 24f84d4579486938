using Reconciler.Cluster;
using Reconciler.Store.Rejudging;
using Reconciler.Hosting;
using Reconciler.Plumbing;

namespace Reconciler.Rejudging;

/// <summary>
/// The one re-judge worker of the cluster: the server holding the <see cref="LeaseName"/> lease takes the runs of re-judging
/// (docs/domain.md, "Re-judging after a policy fix") one at a time, page by page, every write fenced by that lease; the
/// others take it over when its holder dies or stops. A run resumes from the progress its last committed page wrote.
/// </summary>
public sealed class RejudgeWorker(
    LeaseKeeper keeper, RejudgingStore runs, Rejudger rejudger, WorkerAlarm<RejudgeWorker> alarm, RejudgeOptions options, TimeProvider clock, ILogger<RejudgeWorker> logger)
    : LeasedWorker(LeaseName, keeper, clock, logger)
{
    public const string LeaseName = "rejudging";

    protected override async Task LeadAsync(HeldLease lease, CancellationToken stoppingToken)
    {
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
        while (!leading.IsCancellationRequested)
        {
            if (await runs.NextAsync(stoppingToken) is not { } run)
            {
                await alarm.WaitAsync(options.Poll, leading.Token);
                continue;
            }
            // Not cancelled by a lost lease: the fence in the page's transaction is what refuses a write that came too late.
            var page = await rejudger.RunPageAsync(run, lease.Fence, stoppingToken);
            if (!page.Ended && options.PagePause > TimeSpan.Zero)
            {
                // Room for ingest between pages: a large backlog is judged again without standing in its way.
                await Task.Delay(options.PagePause, Clock, leading.Token);
            }
        }
    }
}
