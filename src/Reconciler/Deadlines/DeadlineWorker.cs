using Npgsql;

namespace Reconciler.Deadlines;

/// <summary>
/// The single active deadline worker across servers: whoever holds a session-level advisory lock ticks
/// due operations; the others wait, and take over when the holder's connection dies (the lock goes with it).
/// It sleeps until the earliest deadline, at most <see cref="MaxSleep"/>, and wakes early on new writes.
/// </summary>
public sealed partial class DeadlineWorker(
    NpgsqlDataSource dataSource, DeadlineTicker ticker, DeadlineAlarm alarm, TimeProvider clock, ILogger<DeadlineWorker> logger)
    : BackgroundService
{
    private const long LeaderLockKey = 0x5265636F6E44; // "ReconD"
    private const int BatchSize = 200;
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FollowerPause = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var leader = await dataSource.OpenConnectionAsync(stoppingToken);
                if (!await TryLeadAsync(leader, stoppingToken))
                {
                    await Task.Delay(FollowerPause, stoppingToken);
                    continue;
                }
                LogLeading(logger);
                try
                {
                    await LeadAsync(leader, stoppingToken);
                }
                finally
                {
                    // The pool does not reset sessions: give the lock back before the connection goes back.
                    await ReleaseAsync(leader);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, e);
                await Task.Delay(FollowerPause, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task LeadAsync(NpgsqlConnection leader, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (await ticker.TickDueAsync(BatchSize, ct) >= BatchSize)
            {
                continue;
            }
            var next = await ticker.NextDueAsync(ct);
            var sleep = next is { } due ? due - clock.GetUtcNow() : MaxSleep;
            if (sleep > TimeSpan.Zero)
            {
                await alarm.WaitAsync(sleep < MaxSleep ? sleep : MaxSleep, ct);
            }
            // Proves the leader connection, and with it the lock, is still alive.
            await using var ping = new NpgsqlCommand("SELECT 1", leader);
            await ping.ExecuteScalarAsync(ct);
        }
    }

    private static async Task ReleaseAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LeaderLockKey });
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
        {
            // A broken connection is not returned to the pool, and its session's lock died with it.
        }
    }

    private static async Task<bool> TryLeadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LeaderLockKey });
        return await command.ExecuteScalarAsync(ct) is true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This server is now the active deadline worker")]
    private static partial void LogLeading(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The deadline worker failed; it retries shortly")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
