using Reconciler.Cluster;
using Reconciler.Store.Cluster;
using Reconciler.Store.Webhooks;

namespace Reconciler.Webhooks;

/// <summary>
/// Runs webhook delivery on this server: every second (at once when an admin changes a subscription here) it
/// lists the subscriptions, takes the lease (<c>webhook:{id}</c>) of active ones that no server delivers yet, up to
/// this server's fair share (the active subscriptions divided among the live nodes, rounded up), runs a
/// <see cref="SubscriptionRunner"/> for each, and stops the runners of subscriptions that were paused, disabled,
/// deleted or whose lease was lost. Holding more than its share (a node joined), it hands one back per round, so
/// the newcomer picks it up. A subscription that cannot start (its secret does not open here) is tried again later.
/// </summary>
public sealed partial class WebhookWorker(
    SubscriptionStates subscriptions, LeaseKeeper keeper, WebhookAlarm alarm, FeedSource feed, DeliveryTable writes, SecretBox secrets, WebhookSender sender,
    TimeProvider clock, ILogger<WebhookWorker> logger) : BackgroundService
{
    public static string LeaseName(int subscriptionId) => "webhook:" + subscriptionId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RestartPause = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan UnreadablePause = TimeSpan.FromMinutes(1);

    private sealed class Running(SubscriptionRunner runner, CancellationTokenSource stop, Task task, int revision)
    {
        public SubscriptionRunner Runner { get; } = runner;
        public CancellationTokenSource Stop { get; } = stop;
        public Task Task { get; } = task;
        public int Revision { get; set; } = revision;
    }

    private readonly Dictionary<int, Running> _running = [];
    private readonly Dictionary<int, DateTimeOffset> _pausedUntil = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await SuperviseAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogFailed(logger, e);
                }
                await alarm.WaitAsync(PollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var id in _running.Keys.ToList())
            {
                await StopAsync(id);
            }
        }
    }

    private async Task SuperviseAsync(CancellationToken ct)
    {
        var rows = (await subscriptions.ListAsync(ct)).ToDictionary(r => r.Id);
        foreach (var (id, running) in _running.ToList())
        {
            var row = rows.GetValueOrDefault(id);
            if (running.Task.IsCompleted || running.Runner.Lease.IsLost || row is not { Status: "active" })
            {
                await StopAsync(id);
            }
            else if (row.Revision != running.Revision)
            {
                running.Revision = row.Revision;
                running.Runner.RequestReload();
            }
        }
        var active = rows.Values.Where(r => r.Status == "active").ToList();
        var share = (active.Count + keeper.LiveNodes - 1) / keeper.LiveNodes;
        if (_running.Count > share)
        {
            await StopAsync(_running.Keys.Max()); // over our share: give one back for a newer node to take
            return;
        }
        var now = clock.GetUtcNow();
        foreach (var row in active.Where(r => !_running.ContainsKey(r.Id)))
        {
            if (_running.Count >= share)
            {
                break;
            }
            if (_pausedUntil.TryGetValue(row.Id, out var until) && until > now)
            {
                continue;
            }
            var lease = await keeper.TryAcquireAsync(LeaseName(row.Id), ct);
            if (lease is null)
            {
                continue; // another server delivers it
            }
            var runner = new SubscriptionRunner(row.Id, lease, feed, writes, secrets, sender, alarm, clock, logger);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
            var task = Task.Run(async () =>
            {
                try
                {
                    await runner.RunAsync(stop.Token);
                }
                finally
                {
                    alarm.Ring(); // let the worker release the lease now
                }
            }, CancellationToken.None);
            _running[row.Id] = new Running(runner, stop, task, row.Revision);
        }
    }

    private async Task StopAsync(int id)
    {
        var running = _running[id];
        _running.Remove(id);
        await running.Stop.CancelAsync();
        try
        {
            await running.Task;
        }
        catch (OperationCanceledException)
        {
        }
        catch (LeaseLostException e)
        {
            keeper.Refused(e);
        }
        catch (SecretUnreadableException)
        {
            _pausedUntil[id] = clock.GetUtcNow() + UnreadablePause; // said in its lastError; an operator must fix the key
        }
        catch (Exception e)
        {
            LogStopped(logger, running.Runner.Name, e.Message);
            _pausedUntil[id] = clock.GetUtcNow() + RestartPause;
        }
        running.Stop.Dispose();
        await keeper.ReleaseAsync(running.Runner.Lease, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The webhook worker failed; it tries again shortly")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {Name} stopped: {Reason}")]
    private static partial void LogStopped(ILogger logger, string name, string reason);
}
