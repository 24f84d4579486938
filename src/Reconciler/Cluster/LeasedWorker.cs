using Reconciler.Store.Cluster;

namespace Reconciler.Cluster;

/// <summary>
/// Background work that one server of the cluster does at a time: the holder of the <c>leaseName</c> lease runs
/// <see cref="LeadAsync"/>; the others ask for the lease every <see cref="LeaseTiming.AcquireEvery"/> and take it
/// over when its holder dies or stops. A write refused by the lease's fence hands the lease back; a clean stop
/// releases it, so another server takes over at once.
/// </summary>
public abstract partial class LeasedWorker(string leaseName, LeaseKeeper keeper, TimeProvider clock, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan FailurePause = TimeSpan.FromSeconds(1);

    protected TimeProvider Clock { get; } = clock;

    /// <summary>Works while <paramref name="lease"/> holds (its <see cref="HeldLease.Lost"/> token says when it goes).</summary>
    protected abstract Task LeadAsync(HeldLease lease, CancellationToken stoppingToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            HeldLease? lease = null;
            try
            {
                lease = await keeper.TryAcquireAsync(leaseName, stoppingToken);
                if (lease is null)
                {
                    await Task.Delay(LeaseTiming.AcquireEvery, Clock, stoppingToken);
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
                // The keeper saw the lease go: another server does the work now.
            }
            catch (LeaseLostException refused)
            {
                keeper.Refused(refused);
            }
            catch (Exception e)
            {
                LogFailed(logger, leaseName, e);
                await Task.Delay(FailurePause, Clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        if (keeper.Held.FirstOrDefault(l => l.Name == leaseName) is { } held)
        {
            await keeper.ReleaseAsync(held, CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The work under lease {Lease} failed; it retries shortly")]
    private static partial void LogFailed(ILogger logger, string lease, Exception exception);
}
