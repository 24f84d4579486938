using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Reconciler.Store.Replicas;

/// <summary>The streaming replicas reads may go to, and how long a read waits for one to catch up.</summary>
public sealed record ReplicaOptions
{
    /// <summary>Connection strings of hot standbys of the primary; none: every read goes to the primary.</summary>
    public IReadOnlyList<string> Connections { get; init; } = [];

    /// <summary>A replica further behind than this serves no read (the primary does).</summary>
    public TimeSpan MaxLag { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a read with a consistency token waits for a replica to replay past it before going to the primary.</summary>
    public TimeSpan TokenWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often each replica's replay position and lag are read.</summary>
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromMilliseconds(250);

    public void Validate()
    {
        if (MaxLag <= TimeSpan.Zero || TokenWait < TimeSpan.Zero || CheckEvery <= TimeSpan.Zero || Connections.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"Replica options out of range: max lag {MaxLag}, token wait {TokenWait}, check every {CheckEvery}.");
        }
    }
}

/// <summary>
/// Routes reads between the primary and its streaming replicas. Each replica's replay position is read every
/// <see cref="ReplicaOptions.CheckEvery"/> beside the primary's WAL position; its lag is how long ago the primary was where
/// the replica now is. A read without a token goes round robin to a replica within <see cref="ReplicaOptions.MaxLag"/>; a
/// read with a token to one that has replayed past it, waiting up to <see cref="ReplicaOptions.TokenWait"/> for the most
/// advanced one; otherwise to the primary, saying why. Nothing stale past the maximum lag is ever served.
/// </summary>
public sealed class ReadReplicas(NpgsqlDataSource primary, ReplicaOptions options, TimeProvider clock) : BackgroundService, IAsyncDisposable
{
    private const string ReplicaSql = """
        SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
               CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END
        """;

    private readonly Replica[] _replicas = [.. options.Connections.Select((c, i) =>
        new Replica($"replica-{i + 1}", StoreDataSource.Create(c, StoreDataSource.SchemaOf(primary))))];
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

    public async Task<ReadTarget> ChooseAsync(ConsistencyToken? token, CancellationToken ct)
    {
        if (_replicas.Length == 0)
        {
            return new ReadTarget(primary, ReadTarget.Primary, null, null);
        }
        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)_replicas.Length);
        for (var i = 0; i < _replicas.Length; i++)
        {
            var replica = _replicas[(start + i) % _replicas.Length];
            if (replica.Status.WithinLag(options.MaxLag) && (token is not { } t || replica.Status.Replayed >= t))
            {
                return replica.Target;
            }
        }
        if (token is { } wanted
            && _replicas.Where(r => r.Status.WithinLag(options.MaxLag)).MaxBy(r => r.Status.Replayed!.Value.Lsn) is { } closest
            && await closest.WaitForAsync(wanted, options.TokenWait, clock, ct))
        {
            return closest.Target;
        }
        var reason = token is null ? $"no replica within {options.MaxLag.TotalSeconds:0.#} s of the primary" : "no replica replayed past the consistency token in time";
        return new ReadTarget(primary, ReadTarget.Primary, null, reason);
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
        foreach (var replica in _replicas)
        {
            replica.Status = await ReadStatusAsync(replica, now, ct);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_replicas.Length == 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.CheckEvery, clock);
        do
        {
            await CheckAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<ReplicaStatus> ReadStatusAsync(Replica replica, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            await using var command = replica.DataSource.CreateCommand(ReplicaSql);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var (inRecovery, paused) = (reader.GetBoolean(0), reader.GetBoolean(2));
            ConsistencyToken? replayed = reader.IsDBNull(1) ? null : Parse(reader.GetString(1));
            return new ReplicaStatus(replica.Name, true, inRecovery, paused, replayed, replayed is { } r ? _history.LagAt(r, now) : null, now, null);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return new ReplicaStatus(replica.Name, false, false, false, null, null, now, e.Message);
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

    private sealed class Replica(string name, NpgsqlDataSource dataSource)
    {
        public string Name { get; } = name;
        public NpgsqlDataSource DataSource { get; } = dataSource;
        public ReplicaStatus Status { get; set; } = ReplicaStatus.Unchecked(name);
        public ReadTarget Target => new(DataSource, Name, Status.Lag, null);

        /// <summary>Polls the replay position until it reaches <paramref name="token"/> or <paramref name="wait"/> is over.</summary>
        public async Task<bool> WaitForAsync(ConsistencyToken token, TimeSpan wait, TimeProvider clock, CancellationToken ct)
        {
            var until = clock.GetUtcNow() + wait;
            while (true)
            {
                try
                {
                    await using var command = DataSource.CreateCommand("SELECT pg_last_wal_replay_lsn()::text");
                    if (ConsistencyToken.TryParse(await command.ExecuteScalarAsync(ct) as string, out var replayed) && replayed >= token)
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
