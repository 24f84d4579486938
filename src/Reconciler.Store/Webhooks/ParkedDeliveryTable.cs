using Npgsql;
using NpgsqlTypes;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Webhooks;

/// <summary>A parked delivery as stored: the feed item's body (JSON text) and how its attempts went.</summary>
public sealed record ParkedRow(
    long Position, string Body, int Attempts, int? LastStatus, string? LastError, DateTimeOffset? FirstAttemptAt, DateTimeOffset? LastAttemptAt, DateTimeOffset ParkedAt);

/// <summary>
/// Deliveries that exhausted their retries (<c>state = 'parked'</c> in <c>webhook_deliveries</c>): read in feed position
/// order, and sent again on demand — back to waiting with a fresh set of attempts, due at once.
/// </summary>
public sealed class ParkedDeliveryTable(NpgsqlDataSource dataSource)
{
    /// <summary>Up to <paramref name="limit"/> parked deliveries after the event at <paramref name="afterPosition"/>, in feed position order.</summary>
    public async Task<IReadOnlyList<ParkedRow>> ListAsync(int subscriptionId, long afterPosition, int limit, CancellationToken ct)
    {
        const string Sql = """
            SELECT event_position, body, attempts, last_status, last_error, first_attempt_at, last_attempt_at, parked_at
            FROM webhook_deliveries
            WHERE subscription_id = $1 AND state = 'parked' AND event_position > $2
            ORDER BY event_position
            LIMIT $3
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(Int(subscriptionId));
        command.Parameters.Add(Long(afterPosition));
        command.Parameters.Add(Int(limit));
        await using var row = await command.ExecuteReaderAsync(ct);
        var rows = new List<ParkedRow>();
        while (await row.ReadAsync(ct))
        {
            rows.Add(new ParkedRow(
                row.GetInt64(0), row.GetString(1), row.GetInt32(2), row.IsDBNull(3) ? null : row.GetInt32(3), row.IsDBNull(4) ? null : row.GetString(4),
                row.IsDBNull(5) ? null : row.GetFieldValue<DateTimeOffset>(5), row.IsDBNull(6) ? null : row.GetFieldValue<DateTimeOffset>(6),
                row.GetFieldValue<DateTimeOffset>(7)));
        }
        return rows;
    }

    /// <summary>
    /// Sends the selected parked deliveries again (all, those at <paramref name="positions"/>, and/or parked in
    /// [<paramref name="from"/>, <paramref name="to"/>]), due at <paramref name="now"/>; returns how many there were.
    /// </summary>
    public async Task<int> RedeliverAsync(
        int subscriptionId, IReadOnlyList<long>? positions, DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset now, CancellationToken ct)
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
            command.Parameters.Add(Int(subscriptionId));
            command.Parameters.Add(new NpgsqlParameter { Value = positions is null ? DBNull.Value : positions.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            command.Parameters.Add(Time(from));
            command.Parameters.Add(Time(to));
            command.Parameters.Add(Time(now));
            count = await command.ExecuteNonQueryAsync(ct);
        }
        if (count > 0)
        {
            // The delivering server (maybe another one) reloads on a new revision and finds them due.
            await using var touch = new NpgsqlCommand("UPDATE webhook_subscriptions SET revision = revision + 1 WHERE subscription_id = $1", connection, transaction);
            touch.Parameters.Add(Int(subscriptionId));
            await touch.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return count;
    }
}
