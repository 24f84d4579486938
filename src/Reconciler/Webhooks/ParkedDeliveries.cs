using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Webhooks;

/// <summary>
/// Deliveries that exhausted their retries (<c>state = 'parked'</c> in <c>webhook_deliveries</c>): listed in
/// feed order, and sent again on demand — back to waiting with a fresh set of attempts, due at once, so the
/// delivering server sends them ahead of new items.
/// </summary>
public sealed class ParkedDeliveries(NpgsqlDataSource dataSource, WebhookAlarm alarm, TimeProvider clock)
{
    /// <summary>The subscription's id, or null when there is none of that name.</summary>
    public async Task<int?> FindAsync(string name, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT subscription_id FROM webhook_subscriptions WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return await command.ExecuteScalarAsync(ct) is int id ? id : null;
    }

    /// <summary>Up to <paramref name="limit"/> parked deliveries after the event at <paramref name="afterPosition"/>, in feed position order.</summary>
    public async Task<ParkedPage> ListAsync(int subscriptionId, long afterPosition, int limit, CancellationToken ct)
    {
        const string Sql = """
            SELECT event_position, body, attempts, last_status, last_error, first_attempt_at, last_attempt_at, parked_at
            FROM webhook_deliveries
            WHERE subscription_id = $1 AND state = 'parked' AND event_position > $2
            ORDER BY event_position
            LIMIT $3
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterPosition });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
        await using var row = await command.ExecuteReaderAsync(ct);
        var items = new List<ParkedDelivery>();
        while (await row.ReadAsync(ct))
        {
            using var body = JsonDocument.Parse(row.GetString(1));
            items.Add(new ParkedDelivery(
                FeedSource.EventId(row.GetInt64(0)), body.RootElement.Clone(), row.GetInt32(2),
                row.IsDBNull(3) ? null : row.GetInt32(3), row.IsDBNull(4) ? null : row.GetString(4),
                row.IsDBNull(5) ? null : row.GetFieldValue<DateTimeOffset>(5), row.IsDBNull(6) ? null : row.GetFieldValue<DateTimeOffset>(6),
                row.GetFieldValue<DateTimeOffset>(7)));
        }
        return items.Count > limit
            ? new ParkedPage(items[..limit], items[limit - 1].EventId)
            : new ParkedPage(items, null);
    }

    /// <summary>Sends the selected parked deliveries again; returns how many there were.</summary>
    public async Task<int> RedeliverAsync(int subscriptionId, RedeliverySelection selection, CancellationToken ct)
    {
        const string Sql = """
            UPDATE webhook_deliveries
            SET state = 'pending', attempts = 0, first_attempt_at = NULL, next_attempt_at = $5, parked_at = NULL
            WHERE subscription_id = $1 AND state = 'parked'
              AND ($2::bigint[] IS NULL OR event_position = ANY($2))
              AND ($3::timestamptz IS NULL OR parked_at >= $3)
              AND ($4::timestamptz IS NULL OR parked_at <= $4)
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        int count;
        await using (var command = new NpgsqlCommand(Sql, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = subscriptionId });
            command.Parameters.Add(new NpgsqlParameter { Value = selection.Positions is null ? DBNull.Value : selection.Positions.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            command.Parameters.Add(Time(selection.From));
            command.Parameters.Add(Time(selection.To));
            command.Parameters.Add(Time(clock.GetUtcNow()));
            count = await command.ExecuteNonQueryAsync(ct);
        }
        if (count > 0)
        {
            // The delivering server (maybe another one) reloads on a new revision and finds them due.
            await using var touch = new NpgsqlCommand("UPDATE webhook_subscriptions SET revision = revision + 1 WHERE subscription_id = $1", connection, transaction);
            touch.Parameters.Add(new NpgsqlParameter<int> { TypedValue = subscriptionId });
            await touch.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        alarm.Changed();
        return count;
    }

    private static NpgsqlParameter Time(DateTimeOffset? time) =>
        new() { Value = time is { } t ? t.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
