using Reconciler.Cluster;
using Reconciler.Store.Cluster;

namespace Reconciler.Deadlines;

/// <summary>
/// The one active deadline worker of the cluster: the server holding the <see cref="LeaseName"/> lease ticks
/// due operations, every write fenced by that lease; the others ask for it every
/// <see cref="LeaseTiming.AcquireEvery"/> and take it over when its holder dies or stops. It sleeps until the
/// earliest deadline, at most <see cref="MaxSleep"/>, and wakes early on new writes of this server.
/// </summary>
public sealed partial class DeadlineWorker(
    LeaseKeeper keeper, DeadlineTicker ticker, DeadlineAlarm alarm, TimeProvider clock, ILogger<DeadlineWorker> logger)
    : BackgroundService
{
    public const string LeaseName = "deadlines";
    private const int BatchSize = 200;
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FailurePause = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            HeldLease? lease = null;
            try
            {
                lease = await keeper.TryAcquireAsync(LeaseName, stoppingToken);
                if (lease is null)
                {
                    await Task.Delay(LeaseTiming.AcquireEvery, clock, stoppingToken);
                    continue;
                }
                await LeadAsync(lease, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (OperationCanceledException) when (lease?.IsLost == true)
            {
                // The keeper saw the lease go: another server ticks now.
            }
            catch (LeaseLostException refused)
            {
                keeper.Refused(refused);
            }
            catch (Exception e)
            {
                LogFailed(logger, e);
                await Task.Delay(FailurePause, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        // A clean stop hands the deadlines to another server at once.
        if (keeper.Held.FirstOrDefault(l => l.Name == LeaseName) is { } held)
        {
            await keeper.ReleaseAsync(held, CancellationToken.None);
        }
    }

    /// <summary>
    /// Ticks while the lease holds. A write under way when the lease goes is not cancelled: it runs to its end,
    /// where the database's fence refuses it (the one guard that cannot be late); the loop stops after it.
    /// </summary>
    private async Task LeadAsync(HeldLease lease, CancellationToken stoppingToken)
    {
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
        while (!leading.IsCancellationRequested)
        {
            if (await ticker.TickDueAsync(BatchSize, lease.Fence, stoppingToken) >= BatchSize)
            {
                continue;
            }
            var next = await ticker.NextDueAsync(stoppingToken);
            var sleep = next is { } due ? due - clock.GetUtcNow() : MaxSleep;
            if (sleep > TimeSpan.Zero)
            {
                await alarm.WaitAsync(sleep < MaxSleep ? sleep : MaxSleep, leading.Token);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The deadline worker failed; it retries shortly")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
