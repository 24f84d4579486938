using Npgsql;
using Polly;
using Polly.Retry;
using Reconciler.Feed;
using Reconciler.Store;

namespace Reconciler.Operations;

/// <summary>PostgreSQL stayed unavailable through every retry; the API answers 503 with Retry-After.</summary>
public sealed class StoreUnavailableException(Exception inner)
    : Exception("The event store is unavailable; retry the request, signal ids make it safe.", inner);

/// <summary>
/// Runs a unit of work in one read-committed transaction and retries it, whole, on transient PostgreSQL
/// failures (serialization, deadlock, a dropped connection): bounded, exponential, jittered. After the
/// commit it tells the feed that events were committed.
/// </summary>
public sealed class WriteTransactions(NpgsqlDataSource dataSource, FeedNotifier feed)
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

    public async Task<T> RunAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                await using var connection = await dataSource.OpenConnectionAsync(token);
                await using var transaction = await connection.BeginTransactionAsync(token);
                var result = await work(connection, transaction, token);
                await transaction.CommitAsync(token);
                feed.Committed();
                return result;
            }, ct);
        }
        catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
        {
            throw new StoreUnavailableException(e);
        }
    }

    /// <summary>
    /// Failures worth a retry of the whole transaction. A wrong expected version cannot happen under the
    /// operation lock unless another writer skipped it, so it is retried too: the retry reloads the state.
    /// </summary>
    public static bool IsTransient(Exception e) => e switch
    {
        PostgresException p => p.IsTransient || p.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        NpgsqlException n => n.IsTransient,
        WrongExpectedVersionException => true,
        TimeoutException => true,
        _ => false,
    };
}
