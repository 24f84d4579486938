using Npgsql;
using Polly;
using Polly.Retry;
using Reconciler.Core.Events;
using Reconciler.Core.State;
using Reconciler.Core.Storms;
using Reconciler.Store.Feed;
using Reconciler.Store.Policies;

namespace Reconciler.Store.Writing;

/// <summary>PostgreSQL stayed unavailable through every retry; the API answers 503 with Retry-After.</summary>
public sealed class StoreUnavailableException(Exception inner)
    : Exception("The event store is unavailable; retry the request, signal ids make it safe.", inner);

/// <summary>
/// The one write path. A unit of work, in one read-committed transaction: lock the operations (advisory
/// locks in one fixed order, so writers never deadlock) and, in the same round trip, load their stream heads
/// with snapshots, the newest policy versions and the receipts asked for; let <c>decide</c> (pure: the core)
/// stage events on a <see cref="WriteBatch"/>; then in one more round trip append the events with their
/// receipts, move the stream heads and snapshots, and update the projections; commit; wake the feed.
/// The whole unit is retried on transient failures (a dropped connection, a deadlock, a stream or a receipt
/// that another writer got to first), so <c>decide</c> may run more than once and must not have effects.
/// </summary>
public sealed class OperationWriter(NpgsqlDataSource dataSource, PolicyStore policies, FeedNotifier feed, TimeProvider clock)
{
    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            MaxRetryAttempts = 6,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(25),
            MaxDelay = TimeSpan.FromSeconds(1),
        })
        .Build();

    /// <summary>Raised after a commit that set or moved an operation's next deadline (the deadline worker may need to wake sooner).</summary>
    public event Action? DeadlineSet;

    /// <summary>Raised for each event of a committed unit, in order (metrics count decisions here).</summary>
    public event Action<OperationEvent>? EventCommitted;

    public async Task<T> WriteAsync<T>(WriteScope scope, Func<WriteBatch, T> decide, CancellationToken ct)
    {
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                await using var connection = await dataSource.OpenConnectionAsync(token);
                await using var transaction = await connection.BeginTransactionAsync(token);
                var batch = await LoadAsync(connection, transaction, scope, token);
                var result = decide(batch);
                if (batch.HasStaged)
                {
                    await OperationSave.SaveAsync(connection, transaction, batch.Staged, batch.StagedSystem, token);
                }
                if (scope.Alongside is { } alongside)
                {
                    await alongside(connection, transaction, token);
                }
                await transaction.CommitAsync(token);
                if (batch.HasStaged)
                {
                    feed.Committed();
                    if (batch.Staged.Any(s => s.After.NextDeadline is { } due && due != s.Before.NextDeadline))
                    {
                        DeadlineSet?.Invoke();
                    }
                    if (EventCommitted is { } committed)
                    {
                        foreach (var staged in batch.Staged)
                        {
                            staged.Events.ForEach(e => committed(e.Event));
                        }
                    }
                }
                return result;
            }, ct);
        }
        catch (PostgresException e) when (scope.Fence?.Translate(e) is { } lost)
        {
            throw lost;
        }
        catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
        {
            throw new StoreUnavailableException(e);
        }
    }

    private async Task<WriteBatch> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WriteScope scope, CancellationToken ct)
    {
        var loaded = await OperationLoad.LoadAsync(connection, transaction, scope, ct);
        // The system stream has no snapshot and no operation state: only its version matters.
        var systemVersion = loaded.Heads.Remove(SystemEventCodec.StreamId, out var system) ? system.Version : 0;
        var now = clock.GetUtcNow();
        var states = new Dictionary<string, OperationState>(loaded.Heads.Count, StringComparer.Ordinal);
        var unreadable = new List<string>();
        foreach (var (id, head) in loaded.Heads)
        {
            if (head.Snapshot is { } bytes && OperationSnapshot.Read(bytes) is { } state && state.Version == head.Version)
            {
                states[id] = state;
            }
            else
            {
                unreadable.Add(id);
            }
        }
        if (unreadable.Count > 0)
        {
            // No snapshot, or one of another format: fold the events (rare: the first write after an upgrade).
            foreach (var (id, state) in await OperationLoad.FoldAsync(connection, transaction, unreadable, ct))
            {
                states[id] = state;
            }
        }
        foreach (var (type, version) in loaded.PolicyVersions)
        {
            await policies.GetAsync(type, version, ct);
        }
        return new WriteBatch(now, states, loaded.PolicyVersions,
            (type, version) => policies.Cached(type, version) ?? throw new InvalidOperationException($"Policy {type} v{version} was not loaded."),
            loaded.Receipts, systemVersion);
    }

    /// <summary>
    /// Failures worth running the unit again: transient connection errors, serialization failures and
    /// deadlocks, a session ended while idle in its transaction, and a stream or receipt that another writer
    /// wrote first (the next run sees it).
    /// </summary>
    private const string IdleInTransactionSessionTimeout = "25P03"; // not among Npgsql's PostgresErrorCodes

    public static bool IsTransient(Exception e) => e switch
    {
        PostgresException p => p.IsTransient
            || p.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
            // A session the database ended because it sat idle inside its transaction (a frozen lease holder, see
            // check_lease): the next run starts afresh, and its fence says whether the lease is still ours.
            || p.SqlState == IdleInTransactionSessionTimeout
            || p.SqlState == PostgresErrorCodes.UniqueViolation && p.ConstraintName == "signal_receipts_pkey",
        NpgsqlException n => n.IsTransient,
        WrongExpectedVersionException => true,
        TimeoutException => true,
        _ => false,
    };
}
