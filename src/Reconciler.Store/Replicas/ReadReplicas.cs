using Microsoft.Extensions.Hosting;
using Npgsql;
using Reconciler.Store.Sql;

namespace Reconciler.Store.Replicas;

/// <summary>
/// The one place that decides where a read goes: the primary or one of its streaming replicas. Each replica's replay
/// position and feed safe point are read every <see cref="ReplicaOptions.CheckEvery"/> beside the primary's WAL position;
/// its lag is how long ago the primary was where the replica now is. A read without a bound goes round robin to a
/// replica within <see cref="ReplicaOptions.MaxLag"/>; a read with one (a consistency token, a feed cursor) to a replica
/// that meets it, waiting up to <see cref="ReplicaOptions.TokenWait"/> for the most advanced one; otherwise to the
/// primary, saying why. Nothing stale past the maximum lag is ever served.
/// </summary>
public sealed class ReadReplicas(NpgsqlDataSource primary, ReplicaOptions options, TimeProvider clock) : BackgroundService, IAsyncDisposable
{
    // The safe point is the feed's own expression, which on a standby is its snapshot's xmin (see SafePoint).
    private const string ReplicaSql = $"""
        SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
               CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END, {SafePoint.Expression}
        """;

    private readonly Replica[] _replicas = [.. options.Connections.Select((c, i) =>
        new Replica($"replica-{i + 1}", StoreDataSource.Create(c, StoreDataSource.SchemaOf(primary)), options.MaxLag))];
    private readonly PrimaryHistory _history = new();
    private int _next;

    public NpgsqlDataSource Primary => primary;
    public bool Any => _replicas.Length > 0;
    public TimeSpan MaxLag => options.MaxLag;
    public IReadOnlyList<ReplicaStatus> Statuses => [.. _replicas.Select(r => r.Status)];

    /// <summary>The consistency token of everything committed so far: the primary's current WAL insert position.</summary>
    public async Task<ConsistencyToken> CurrentTokenAsync(CancellationToken ct)
    {
        await using var command = primary.CreateCommand("SELECT pg_current_wal_insert_lsn()::text");
        return Parse(await command.ExecuteScalarAsync(ct));
    }

    public async Task<ReadTarget> ChooseAsync(ReadBound bound, CancellationToken ct)
    {
        if (_replicas.Length == 0)
        {
            return ReadTarget.OnPrimary(primary, null);
        }
        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)_replicas.Length);
        for (var i = 0; i < _replicas.Length; i++)
        {
            var replica = _replicas[(start + i) % _replicas.Length];
            if (replica.Status.WithinLag(options.MaxLag) && bound.MetBy(replica.Status.Replayed, replica.Status.SafeTransaction))
            {
                return replica.Target;
            }
        }
        if (!bound.IsNone
            && _replicas.Where(r => r.Status.WithinLag(options.MaxLag)).MaxBy(r => r.Status.Replayed!.Value.Lsn) is { } closest
            && await closest.WaitForAsync(bound, options.TokenWait, clock, ct))
        {
            return closest.Target;
        }
        return ReadTarget.OnPrimary(primary, bound.IsNone
            ? $"no replica within {options.MaxLag.TotalSeconds:0.#} s of the primary"
            : $"no replica replayed past the {(bound.Token is null ? "feed cursor" : "consistency token")} within {options.TokenWait.TotalSeconds:0.###} s");
    }

    /// <summary>
    /// A read on <paramref name="target"/> failed with <paramref name="failure"/>: when that says the replica is gone (a
    /// connection that cannot be opened or was lost), it serves nothing more until its next check finds it back. True then.
    /// </summary>
    public bool ReportFailure(ReadTarget target, Exception failure)
    {
        if (target.IsPrimary || failure is not (NpgsqlException { IsTransient: true } or TimeoutException)
            || _replicas.FirstOrDefault(r => r.Name == target.Name) is not { } replica)
        {
            return false;
        }
        replica.Status = replica.Status with { Reachable = false, Error = failure.Message, CheckedAt = clock.GetUtcNow() };
        return true;
    }

    /// <summary>Reads every replica's position once (the loop does this every <see cref="ReplicaOptions.CheckEvery"/>).</summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        try
        {
            await using var command = primary.CreateCommand("SELECT pg_current_wal_lsn()::text");
            _history.Add(now, Parse(await command.ExecuteScalarAsync(ct)));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // The primary away: replicas keep their last lag, which grows with time below.
        }
        await Task.WhenAll(_replicas.Select(async replica => replica.Status = await ReadStatusAsync(replica, now, ct)));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_replicas.Length == 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.CheckEvery, clock);
        try
        {
            do
            {
                await CheckAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<ReplicaStatus> ReadStatusAsync(Replica replica, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = replica.DataSource.CreateCommand(ReplicaSql);
            await using var reader = await command.ExecuteReaderAsync(timeout.Token);
            await reader.ReadAsync(timeout.Token);
            var (inRecovery, paused) = (reader.GetBoolean(0), reader.GetBoolean(2));
            ConsistencyToken? replayed = reader.IsDBNull(1) ? null : Parse(reader.GetString(1));
            var safe = reader.GetFieldValue<ulong>(3);
            return new ReplicaStatus(replica.Name, true, inRecovery, paused, replayed, safe, replayed is { } r ? _history.LagAt(r, now) : null, now, null);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException
                                      or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return new ReplicaStatus(replica.Name, false, false, false, null, null, null, now, e.Message);
        }
    }

    private static ConsistencyToken Parse(object? text) =>
        ConsistencyToken.TryParse(text as string, out var token) ? token : throw new InvalidOperationException($"Not an LSN: '{text}'.");

    public async ValueTask DisposeAsync()
    {
        Dispose();
        foreach (var replica in _replicas)
        {
            await replica.DataSource.DisposeAsync();
        }
    }

    private sealed class Replica(string name, NpgsqlDataSource dataSource, TimeSpan maxLag)
    {
        public string Name { get; } = name;
        public NpgsqlDataSource DataSource { get; } = dataSource;
        public ReplicaStatus Status { get; set; } = ReplicaStatus.Unchecked(name);
        public ReadTarget Target => new(DataSource, Name, Status.Lag, null) { StillServes = () => Status.WithinLag(maxLag) };

        /// <summary>Polls the replay position until it meets <paramref name="bound"/> or <paramref name="wait"/> is over.</summary>
        public async Task<bool> WaitForAsync(ReadBound bound, TimeSpan wait, TimeProvider clock, CancellationToken ct)
        {
            var until = clock.GetUtcNow() + wait;
            while (true)
            {
                try
                {
                    await using var command = DataSource.CreateCommand($"SELECT pg_last_wal_replay_lsn()::text, {SafePoint.Expression}");
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    await reader.ReadAsync(ct);
                    ConsistencyToken? replayed = ConsistencyToken.TryParse(reader.IsDBNull(0) ? null : reader.GetString(0), out var r) ? r : null;
                    if (bound.MetBy(replayed, reader.GetFieldValue<ulong>(1)))
                    {
                        return true;
                    }
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    return false;
                }
                if (clock.GetUtcNow() >= until)
                {
                    return false;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(5), clock, ct);
            }
        }
    }
}
