using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Reconciler.Store.Feed;

/// <summary>
/// The server's one LISTEN connection on <c>reconciler_events</c>, fanned out to every waiting feed
/// request: a waiter takes <see cref="NextSignal"/> and awaits it; each notification completes the current
/// signal and arms a new one. It reconnects with back-off when the connection drops; waiters also re-read
/// on their own after a while, so a lost notification only delays them.
/// Writers call <see cref="Committed"/> after their commit: local readers wake at once, and other servers
/// get one NOTIFY per <see cref="NotifyInterval"/> at most, sent outside any writing transaction (a NOTIFY
/// inside one would serialize every commit on the notification queue's lock).
/// </summary>
public sealed partial class FeedNotifier(NpgsqlDataSource dataSource, ILogger<FeedNotifier> logger) : BackgroundService
{
    public const string Channel = "reconciler_events";

    private readonly string _schema = StoreDataSource.SchemaOf(dataSource);
    private TaskCompletionSource _signal = NewSignal();

    /// <summary>True while the LISTEN connection is up.</summary>
    public bool IsListening { get; private set; }

    /// <summary>Completes at the next notification of new events (from the moment of this call).</summary>
    public Task NextSignal => Volatile.Read(ref _signal).Task;

    /// <summary>Wakes every waiter now (a notification arrived, or the listener reconnected and may have missed one).</summary>
    public void Wake() => Interlocked.Exchange(ref _signal, NewSignal()).TrySetResult();

    private static readonly TimeSpan NotifyInterval = TimeSpan.FromMilliseconds(5);
    private readonly SemaphoreSlim _notifyRequested = new(0, 1);

    /// <summary>Events were committed: wake local readers now and tell other servers soon.</summary>
    public void Committed()
    {
        Wake();
        try
        {
            if (_notifyRequested.CurrentCount == 0)
            {
                _notifyRequested.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // A notification is already due: it covers this commit too.
        }
    }

    /// <summary>Sends the coalesced notifications that <see cref="Committed"/> asks for.</summary>
    private async Task PublishAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _notifyRequested.WaitAsync(ct);
                await using var notify = dataSource.CreateCommand("SELECT pg_notify($1, $2)");
                notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Channel });
                notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _schema });
                await notify.ExecuteNonQueryAsync(ct);
                await Task.Delay(NotifyInterval, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or System.IO.IOException)
            {
                LogNotifyFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), PublishAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                await using var unlisten = new UnlistenOnClose(connection);
                connection.Notification += (_, e) =>
                {
                    if (e.Payload.Length == 0 || e.Payload == _schema)
                    {
                        Wake();
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                IsListening = true;
                delay = TimeSpan.FromMilliseconds(200);
                Wake();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or System.IO.IOException)
            {
                IsListening = false;
                LogListenFailed(logger, e, delay.TotalMilliseconds);
                Wake();
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 10_000));
            }
        }
        IsListening = false;
        Wake();
    }

    /// <summary>Ends the LISTEN before the connection goes back to the pool (which does not reset sessions).</summary>
    private sealed class UnlistenOnClose(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                if (connection.State == System.Data.ConnectionState.Open)
                {
                    await using var command = new NpgsqlCommand("UNLISTEN *", connection);
                    await command.ExecuteNonQueryAsync(CancellationToken.None);
                }
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or System.IO.IOException)
            {
                // A broken connection is not returned to the pool: nothing to undo.
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify other servers of new events; retrying")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The feed listener lost its connection; reconnecting in {DelayMs} ms")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, double delayMs);
}
