using Npgsql;
using NpgsqlTypes;
using Reconciler.Core.Policies;
using Reconciler.Store;

namespace Reconciler.Webhooks;

/// <summary>
/// The admin side of subscriptions in <c>webhook_subscriptions</c>: create, read with status and lag, change,
/// delete. Secrets are sealed by <see cref="SecretBox"/> before they are written and never read back here.
/// Every change rings <see cref="WebhookAlarm"/> and moves the row's revision, so the delivering server reloads it.
/// </summary>
public sealed class SubscriptionStore(NpgsqlDataSource dataSource, SecretBox secrets, FeedSource feed, WebhookAlarm alarm, TimeProvider clock)
{
    /// <summary>How long the old secret is still sent after a rotation.</summary>
    public static readonly TimeSpan RotationOverlap = TimeSpan.FromHours(24);

    /// <summary>False when a subscription of that name exists.</summary>
    public async Task<bool> CreateAsync(NewSubscription subscription, string secret, FeedCursor checkpoint, CancellationToken ct)
    {
        const string Sql = """
            INSERT INTO webhook_subscriptions (name, url, event_types, operation_types, status, secret, secrets_key_id,
                max_attempts, initial_delay, max_delay, max_age, checkpoint_transaction_id, checkpoint_position)
            VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (name) DO NOTHING
            """;
        await using var command = dataSource.CreateCommand(Sql);
        var retry = subscription.Retry;
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Url.OriginalString });
        command.Parameters.Add(TextArray(subscription.Types));
        command.Parameters.Add(TextArray(subscription.OperationTypes));
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = secrets.Seal(secret, subscription.Name) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = secrets.KeyId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = retry.MaxAttempts });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = retry.InitialDelay });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = retry.MaxDelay });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = retry.MaxAge });
        command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = checkpoint.TransactionId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = checkpoint.Position });
        var created = await command.ExecuteNonQueryAsync(ct) == 1;
        alarm.Changed();
        return created;
    }

    public async Task<SubscriptionView?> GetAsync(string name, CancellationToken ct) => (await ReadAsync(name, ct)).FirstOrDefault();

    public Task<IReadOnlyList<SubscriptionView>> ListAsync(CancellationToken ct) => ReadAsync(null, ct);

    /// <summary>Applies a change; false when there is no such subscription. A new secret keeps the old one live for <see cref="RotationOverlap"/>.</summary>
    public async Task<bool> UpdateAsync(string name, SubscriptionChange change, CancellationToken ct)
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
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)change.Url?.OriginalString ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = change.SetsTypes });
        command.Parameters.Add(TextArray(change.Types));
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = change.SetsOperationTypes });
        command.Parameters.Add(TextArray(change.OperationTypes));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)change.Status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = change.Secret is null ? DBNull.Value : secrets.Seal(change.Secret, name), NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = change.Secret is null ? DBNull.Value : secrets.KeyId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = (now + RotationOverlap).ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.ToUniversalTime() });
        var updated = await command.ExecuteNonQueryAsync(ct) == 1;
        alarm.Changed();
        return updated;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM webhook_subscriptions WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        var deleted = await command.ExecuteNonQueryAsync(ct) == 1;
        alarm.Changed();
        return deleted;
    }

    private async Task<IReadOnlyList<SubscriptionView>> ReadAsync(string? name, CancellationToken ct)
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
        var now = clock.GetUtcNow();
        var views = new List<SubscriptionView>();
        await using (var command = dataSource.CreateCommand(Sql))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)name ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await using var row = await command.ExecuteReaderAsync(ct);
            while (await row.ReadAsync(ct))
            {
                DateTimeOffset? Time(int i) => row.IsDBNull(i) ? null : row.GetFieldValue<DateTimeOffset>(i);
                var previousUntil = Time(18);
                views.Add(new SubscriptionView(
                    row.GetString(0), row.GetString(1),
                    row.IsDBNull(2) ? null : row.GetFieldValue<string[]>(2), row.IsDBNull(3) ? null : row.GetFieldValue<string[]>(3),
                    row.GetString(4), row.IsDBNull(5) ? null : row.GetString(5),
                    new FeedCursor(row.GetFieldValue<ulong>(6), row.GetInt64(7)).Encode(), new SubscriptionLag(0, 0),
                    row.GetInt64(8), row.GetInt64(9), row.GetInt64(21), row.GetInt64(22),
                    row.IsDBNull(10) ? null : row.GetString(10), Time(11), Time(12), Time(13),
                    new RetryView(row.GetInt32(14), IsoDuration.Format(row.GetFieldValue<TimeSpan>(15)),
                        IsoDuration.Format(row.GetFieldValue<TimeSpan>(16)), IsoDuration.Format(row.GetFieldValue<TimeSpan>(17))),
                    previousUntil > now ? previousUntil : null, Time(19)!.Value, Time(20)!.Value));
            }
        }
        for (var i = 0; i < views.Count; i++)
        {
            var view = views[i];
            FeedCursor.TryDecode(view.Checkpoint, out var checkpoint);
            var (events, oldest) = await feed.BacklogAsync(checkpoint, view.Types, view.OperationTypes, ct);
            views[i] = view with { Lag = new SubscriptionLag(events, oldest is { } o && now > o ? Math.Round((now - o).TotalSeconds, 3) : 0) };
        }
        return views;
    }

    private static NpgsqlParameter TextArray(IReadOnlyList<string>? values) =>
        new() { Value = values is null ? DBNull.Value : values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
}
