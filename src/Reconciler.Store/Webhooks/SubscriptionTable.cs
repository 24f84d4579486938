using Npgsql;
using NpgsqlTypes;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Webhooks;

/// <summary>A new subscription as stored: its secret already sealed under <paramref name="SecretsKeyId"/>.</summary>
public sealed record SubscriptionInsert(
    string Name, string Url, IReadOnlyList<string>? Types, IReadOnlyList<string>? OperationTypes, RetrySettings Retry,
    byte[] SealedSecret, string SecretsKeyId, FeedCursor Checkpoint);

/// <summary>
/// A change as stored: null leaves a field alone (<paramref name="SetsTypes"/>/<paramref name="SetsOperationTypes"/> say
/// whether a null filter means "every type"). A new sealed secret keeps the old one live until <paramref name="PreviousSecretUntil"/>.
/// </summary>
public sealed record SubscriptionEdit(
    string? Url, bool SetsTypes, IReadOnlyList<string>? Types, bool SetsOperationTypes, IReadOnlyList<string>? OperationTypes,
    string? Status, byte[]? SealedSecret, string? SecretsKeyId, DateTimeOffset PreviousSecretUntil, DateTimeOffset At);

/// <summary>A subscription's row with its delivery counts, as the admin endpoints read it (never its secret).</summary>
public sealed record SubscriptionRow(
    string Name, string Url, string[]? Types, string[]? OperationTypes, string Status, string? DisabledReason, FeedCursor Checkpoint,
    long Delivered, long Failures, long Parked, long Pending, string? LastError, DateTimeOffset? LastErrorAt, DateTimeOffset? LastDeliveredAt,
    DateTimeOffset? FailingSince, RetrySettings Retry, DateTimeOffset? PreviousSecretUntil, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// The admin side of <c>webhook_subscriptions</c>: create, read with the delivery counts, change, delete. Every change
/// moves the row's revision, so the delivering server reloads it.
/// </summary>
public sealed class SubscriptionTable(NpgsqlDataSource dataSource)
{
    /// <summary>False when a subscription of that name exists.</summary>
    public async Task<bool> CreateAsync(SubscriptionInsert subscription, CancellationToken ct)
    {
        const string Sql = """
            INSERT INTO webhook_subscriptions (name, url, event_types, operation_types, status, secret, secrets_key_id,
                max_attempts, initial_delay, max_delay, max_age, checkpoint_transaction_id, checkpoint_position)
            VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (name) DO NOTHING
            """;
        await using var command = dataSource.CreateCommand(Sql);
        var retry = subscription.Retry;
        command.Parameters.Add(Text(subscription.Name));
        command.Parameters.Add(Text(subscription.Url));
        command.Parameters.Add(Texts(subscription.Types));
        command.Parameters.Add(Texts(subscription.OperationTypes));
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = subscription.SealedSecret });
        command.Parameters.Add(Text(subscription.SecretsKeyId));
        command.Parameters.Add(Int(retry.MaxAttempts));
        command.Parameters.Add(Interval(retry.InitialDelay));
        command.Parameters.Add(Interval(retry.MaxDelay));
        command.Parameters.Add(Interval(retry.MaxAge));
        command.Parameters.Add(Xid8(subscription.Checkpoint.TransactionId));
        command.Parameters.Add(Long(subscription.Checkpoint.Position));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Applies a change; false when there is no such subscription.</summary>
    public async Task<bool> UpdateAsync(string name, SubscriptionEdit edit, CancellationToken ct)
    {
        const string Sql = """
            UPDATE webhook_subscriptions SET
                url = COALESCE($2, url),
                event_types = CASE WHEN $3 THEN $4 ELSE event_types END,
                operation_types = CASE WHEN $5 THEN $6 ELSE operation_types END,
                status = COALESCE($7, status),
                disabled_reason = CASE WHEN $7 IS NULL THEN disabled_reason END,
                failing_since = CASE WHEN $7 = 'active' AND status = 'disabled' THEN NULL ELSE failing_since END,
                previous_secret = CASE WHEN $8::bytea IS NULL THEN previous_secret WHEN secrets_key_id = $9 THEN secret END,
                previous_secret_until = CASE WHEN $8::bytea IS NULL THEN previous_secret_until ELSE $10 END,
                secret = COALESCE($8, secret),
                secrets_key_id = CASE WHEN $8::bytea IS NULL THEN secrets_key_id ELSE $9 END,
                revision = revision + 1,
                updated_at = $11
            WHERE name = $1
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(Text(name));
        command.Parameters.Add(Text(edit.Url));
        command.Parameters.Add(Flag(edit.SetsTypes));
        command.Parameters.Add(Texts(edit.Types));
        command.Parameters.Add(Flag(edit.SetsOperationTypes));
        command.Parameters.Add(Texts(edit.OperationTypes));
        command.Parameters.Add(Text(edit.Status));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)edit.SealedSecret ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(Text(edit.SealedSecret is null ? null : edit.SecretsKeyId));
        command.Parameters.Add(Time(edit.PreviousSecretUntil));
        command.Parameters.Add(Time(edit.At));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM webhook_subscriptions WHERE name = $1");
        command.Parameters.Add(Text(name));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Every subscription by name, or the one named <paramref name="name"/>.</summary>
    public async Task<IReadOnlyList<SubscriptionRow>> ReadAsync(string? name, CancellationToken ct)
    {
        const string Sql = """
            SELECT s.name, s.url, s.event_types, s.operation_types, s.status, s.disabled_reason, s.checkpoint_transaction_id, s.checkpoint_position,
                   s.delivered, s.failures, s.last_error, s.last_error_at, s.last_delivered_at, s.failing_since,
                   s.max_attempts, s.initial_delay, s.max_delay, s.max_age, s.previous_secret_until, s.created_at, s.updated_at,
                   count(d.event_position) FILTER (WHERE d.state = 'parked'), count(d.event_position) FILTER (WHERE d.state = 'pending')
            FROM webhook_subscriptions s LEFT JOIN webhook_deliveries d ON d.subscription_id = s.subscription_id
            WHERE $1::text IS NULL OR s.name = $1
            GROUP BY s.subscription_id
            ORDER BY s.name
            """;
        var rows = new List<SubscriptionRow>();
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(Text(name));
        await using var row = await command.ExecuteReaderAsync(ct);
        while (await row.ReadAsync(ct))
        {
            DateTimeOffset? At(int i) => row.IsDBNull(i) ? null : row.GetFieldValue<DateTimeOffset>(i);
            rows.Add(new SubscriptionRow(
                row.GetString(0), row.GetString(1),
                row.IsDBNull(2) ? null : row.GetFieldValue<string[]>(2), row.IsDBNull(3) ? null : row.GetFieldValue<string[]>(3),
                row.GetString(4), row.IsDBNull(5) ? null : row.GetString(5), new FeedCursor(row.GetFieldValue<ulong>(6), row.GetInt64(7)),
                row.GetInt64(8), row.GetInt64(9), row.GetInt64(21), row.GetInt64(22),
                row.IsDBNull(10) ? null : row.GetString(10), At(11), At(12), At(13),
                new RetrySettings(row.GetInt32(14), row.GetFieldValue<TimeSpan>(15), row.GetFieldValue<TimeSpan>(16), row.GetFieldValue<TimeSpan>(17)),
                At(18), At(19)!.Value, At(20)!.Value));
        }
        return rows;
    }

    /// <summary>The subscription's id, or null when there is none of that name.</summary>
    public async Task<int?> FindAsync(string name, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT subscription_id FROM webhook_subscriptions WHERE name = $1");
        command.Parameters.Add(Text(name));
        return await command.ExecuteScalarAsync(ct) is int id ? id : null;
    }
}
