using Npgsql;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Webhooks;

/// <summary>
/// The delivering server's reads and writes of its subscription. Every write is one transaction that first
/// re-checks the lease (<see cref="LeaseFence"/>, in the same transaction): a server that lost the subscription
/// moves no checkpoint and records no attempt. They commit without waiting for the WAL flush (see InLeaseAsync).
/// </summary>
public sealed class DeliveryTable(NpgsqlDataSource dataSource)
{
    /// <summary>A subscription whose every attempt failed for this long is disabled.</summary>
    public static readonly TimeSpan FailingLimit = TimeSpan.FromHours(24);

    /// <summary>The subscription with its secrets sealed, or null when it is gone.</summary>
    public async Task<StoredSubscription?> LoadAsync(int subscriptionId, CancellationToken ct)
    {
        const string Sql = """
            SELECT name, url, event_types, operation_types, status, secret, previous_secret, previous_secret_until, secrets_key_id,
                   max_attempts, initial_delay, max_delay, max_age, checkpoint_transaction_id, checkpoint_position, revision
            FROM webhook_subscriptions WHERE subscription_id = $1
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(Int(subscriptionId));
        await using var row = await command.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct))
        {
            return null;
        }
        return new StoredSubscription(
            subscriptionId, row.GetString(0), row.GetString(1),
            row.IsDBNull(2) ? null : row.GetFieldValue<string[]>(2), row.IsDBNull(3) ? null : row.GetFieldValue<string[]>(3),
            row.GetString(4),
            new RetrySettings(row.GetInt32(9), row.GetFieldValue<TimeSpan>(10), row.GetFieldValue<TimeSpan>(11), row.GetFieldValue<TimeSpan>(12)),
            row.GetFieldValue<byte[]>(5), row.IsDBNull(6) ? null : row.GetFieldValue<byte[]>(6), row.IsDBNull(7) ? null : row.GetFieldValue<DateTimeOffset>(7),
            row.GetString(8),
            new FeedCursor(row.GetFieldValue<ulong>(13), row.GetInt64(14)), row.GetInt32(15));
    }

    /// <summary>
    /// The operations that have waiting deliveries (they are held back), and the first <paramref name="limit"/>
    /// heads by next attempt time, leaving out operations that have an attempt in flight.
    /// </summary>
    public async Task<(HashSet<string> Held, IReadOnlyList<PendingHead> Heads)> PendingAsync(
        int subscriptionId, IReadOnlyCollection<string> inFlight, int limit, CancellationToken ct)
    {
        const string HeldSql = "SELECT DISTINCT operation_id FROM webhook_deliveries WHERE subscription_id = $1 AND state = 'pending'";
        const string HeadsSql = """
            SELECT event_position, operation_id, version, event_type, body, attempts, first_attempt_at, next_attempt_at
            FROM (SELECT DISTINCT ON (operation_id) *
                  FROM webhook_deliveries WHERE subscription_id = $1 AND state = 'pending'
                  ORDER BY operation_id, version) heads
            WHERE operation_id <> ALL($2)
            ORDER BY next_attempt_at, event_position
            LIMIT $3
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        var held = new NpgsqlBatchCommand(HeldSql);
        held.Parameters.Add(Int(subscriptionId));
        batch.BatchCommands.Add(held);
        var heads = new NpgsqlBatchCommand(HeadsSql);
        heads.Parameters.Add(Int(subscriptionId));
        heads.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. inFlight] });
        heads.Parameters.Add(Int(limit));
        batch.BatchCommands.Add(heads);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var operations = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            operations.Add(reader.GetString(0));
        }
        await reader.NextResultAsync(ct);
        var list = new List<PendingHead>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(new PendingHead(
                new DeliveryItem(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4)),
                reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }
        return (operations, list);
    }

    /// <summary>Stores items held behind a waiting delivery of their operation (due as soon as they become its head).</summary>
    public Task HoldAsync(SubscriptionLease lease, IReadOnlyList<DeliveryItem> items, DateTimeOffset now, CancellationToken ct) =>
        items.Count == 0 ? Task.CompletedTask : InLeaseAsync(lease, async (connection, transaction) =>
        {
            await InsertHeldAsync(connection, transaction, lease.SubscriptionId, items, now, ct);
            return true;
        }, ct);

    /// <summary>Moves the checkpoint and counts the deliveries that succeeded on the way.</summary>
    public Task FlushAsync(SubscriptionLease lease, FeedCursor checkpoint, long delivered, DateTimeOffset? lastDeliveredAt, CancellationToken ct) =>
        InLeaseAsync(lease, async (connection, transaction) =>
        {
            const string Sql = """
                UPDATE webhook_subscriptions
                SET checkpoint_transaction_id = $2, checkpoint_position = $3, delivered = delivered + $4,
                    last_delivered_at = COALESCE($5, last_delivered_at),
                    failing_since = CASE WHEN $5 IS NOT NULL AND failing_since <= $5 THEN NULL ELSE failing_since END
                WHERE subscription_id = $1
                """;
            await using var command = new NpgsqlCommand(Sql, connection, transaction);
            command.Parameters.Add(Int(lease.SubscriptionId));
            command.Parameters.Add(Xid8(checkpoint.TransactionId));
            command.Parameters.Add(Long(checkpoint.Position));
            command.Parameters.Add(Long(delivered));
            command.Parameters.Add(Time(lastDeliveredAt));
            return await command.ExecuteNonQueryAsync(ct);
        }, ct);

    /// <summary>
    /// Records a failed attempt — waiting for its next attempt or parked — with the operation's later items held
    /// behind it, counts the failure, and disables the subscription on 410 Gone or after <see cref="FailingLimit"/>
    /// of failures only; the subscription's last error names the item by <paramref name="eventId"/>. Returns whether the
    /// operation still has waiting deliveries, and the subscription's status.
    /// </summary>
    public Task<(bool OperationHeld, string Status)> RecordFailureAsync(
        SubscriptionLease lease, FailedAttempt failed, string eventId, IReadOnlyList<DeliveryItem> held, bool gone, DateTimeOffset now, CancellationToken ct) =>
        InLeaseAsync(lease, async (connection, transaction) =>
        {
            const string Upsert = """
                INSERT INTO webhook_deliveries (subscription_id, event_position, operation_id, version, event_type, body, state, attempts,
                                                first_attempt_at, last_attempt_at, next_attempt_at, last_status, last_error, parked_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                ON CONFLICT (subscription_id, event_position) DO UPDATE SET
                    state = EXCLUDED.state, attempts = EXCLUDED.attempts, first_attempt_at = EXCLUDED.first_attempt_at,
                    last_attempt_at = EXCLUDED.last_attempt_at, next_attempt_at = EXCLUDED.next_attempt_at,
                    last_status = EXCLUDED.last_status, last_error = EXCLUDED.last_error, parked_at = EXCLUDED.parked_at
                """;
            var item = failed.Item;
            var parked = failed.NextAttemptAt is null;
            await using (var upsert = new NpgsqlCommand(Upsert, connection, transaction))
            {
                upsert.Parameters.Add(Int(lease.SubscriptionId));
                upsert.Parameters.Add(Long(item.Position));
                upsert.Parameters.Add(Text(item.OperationId));
                upsert.Parameters.Add(Long(item.Version));
                upsert.Parameters.Add(Text(item.Type));
                upsert.Parameters.Add(Text(item.Body));
                upsert.Parameters.Add(Text(parked ? "parked" : "pending"));
                upsert.Parameters.Add(Int(failed.Attempts));
                upsert.Parameters.Add(Time(failed.FirstAttemptAt));
                upsert.Parameters.Add(Time(now));
                upsert.Parameters.Add(Time(failed.NextAttemptAt ?? now));
                upsert.Parameters.Add(Int(failed.Status));
                upsert.Parameters.Add(Text(failed.Error));
                upsert.Parameters.Add(Time(parked ? now : null));
                await upsert.ExecuteNonQueryAsync(ct);
            }
            await InsertHeldAsync(connection, transaction, lease.SubscriptionId, held, now, ct);
            const string Count = """
                UPDATE webhook_subscriptions SET
                    failures = failures + 1, last_error = $2, last_error_at = $3, failing_since = COALESCE(failing_since, $3),
                    status = CASE WHEN status = 'active' AND ($4 OR COALESCE(failing_since, $3) <= $3 - $5) THEN 'disabled' ELSE status END,
                    disabled_reason = CASE
                        WHEN status = 'active' AND $4 THEN 'the endpoint answered 410 Gone at ' || to_char($3 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                        WHEN status = 'active' AND COALESCE(failing_since, $3) <= $3 - $5 THEN 'every delivery attempt failed from '
                            || to_char(COALESCE(failing_since, $3) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' for 24 hours'
                        ELSE disabled_reason END
                WHERE subscription_id = $1
                RETURNING status
                """;
            string status;
            await using (var count = new NpgsqlCommand(Count, connection, transaction))
            {
                count.Parameters.Add(Int(lease.SubscriptionId));
                count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{eventId}: {failed.Error}" });
                count.Parameters.Add(Time(now));
                count.Parameters.Add(Flag(gone));
                count.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = FailingLimit });
                status = await count.ExecuteScalarAsync(ct) as string ?? "deleted";
            }
            return (await HasPendingAsync(connection, transaction, lease.SubscriptionId, item.OperationId, ct), status);
        }, ct);

    /// <summary>A waiting delivery went through: it leaves the table. Returns whether its operation still has waiting deliveries.</summary>
    public Task<bool> RecordRetrySuccessAsync(SubscriptionLease lease, DeliveryItem item, DateTimeOffset now, CancellationToken ct) =>
        InLeaseAsync(lease, async (connection, transaction) =>
        {
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                var delete = new NpgsqlBatchCommand("DELETE FROM webhook_deliveries WHERE subscription_id = $1 AND event_position = $2");
                delete.Parameters.Add(Int(lease.SubscriptionId));
                delete.Parameters.Add(Long(item.Position));
                batch.BatchCommands.Add(delete);
                var count = new NpgsqlBatchCommand("UPDATE webhook_subscriptions SET delivered = delivered + 1, last_delivered_at = $2, failing_since = NULL WHERE subscription_id = $1");
                count.Parameters.Add(Int(lease.SubscriptionId));
                count.Parameters.Add(Time(now));
                batch.BatchCommands.Add(count);
                await batch.ExecuteNonQueryAsync(ct);
            }
            return await HasPendingAsync(connection, transaction, lease.SubscriptionId, item.OperationId, ct);
        }, ct);

    /// <summary>Says why the server cannot deliver (its secret does not open here) without counting an attempt.</summary>
    public async Task RecordProblemAsync(int subscriptionId, string error, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("UPDATE webhook_subscriptions SET last_error = $2, last_error_at = $3 WHERE subscription_id = $1");
        command.Parameters.Add(Int(subscriptionId));
        command.Parameters.Add(Text(error));
        command.Parameters.Add(Time(now));
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task InsertHeldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int subscriptionId, IReadOnlyList<DeliveryItem> items, DateTimeOffset now, CancellationToken ct)
    {
        if (items.Count == 0)
        {
            return;
        }
        const string Sql = """
            INSERT INTO webhook_deliveries (subscription_id, event_position, operation_id, version, event_type, body, state, attempts, next_attempt_at)
            SELECT $1, p, o, v, t, b, 'pending', 0, $7
            FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[]) AS held(p, o, v, t, b)
            ON CONFLICT (subscription_id, event_position) DO NOTHING
            """;
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.Add(Int(subscriptionId));
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = items.Select(i => i.Position).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = items.Select(i => i.OperationId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = items.Select(i => i.Version).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = items.Select(i => i.Type).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = items.Select(i => i.Body).ToArray() });
        command.Parameters.Add(Time(now));
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<bool> HasPendingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int subscriptionId, string operationId, CancellationToken ct)
    {
        const string Sql = "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE subscription_id = $1 AND operation_id = $2 AND state = 'pending')";
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.Add(Int(subscriptionId));
        command.Parameters.Add(Text(operationId));
        return await command.ExecuteScalarAsync(ct) is true;
    }

    private async Task<T> InLeaseAsync<T>(SubscriptionLease lease, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> write, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Bookkeeping need not wait for its WAL flush: a database crash can only lose the last of these writes, in
        // commit order, which moves the subscription back to an earlier consistent point (items delivered again, never lost).
        await using (var relaxed = new NpgsqlCommand("SET LOCAL synchronous_commit TO off", connection, transaction))
        {
            await relaxed.ExecuteNonQueryAsync(ct);
        }
        await lease.Fence.EnsureHeldAsync(connection, transaction, ct);
        var result = await write(connection, transaction);
        await transaction.CommitAsync(ct);
        return result;
    }
}
