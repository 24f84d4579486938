using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Store.Backtests;

/// <summary>One stored event as a backtest reads it: its type and its data as UTF-8 bytes, decoded as such by the folding stage.</summary>
public readonly record struct EncodedEvent(string Type, byte[] Utf8Data);

/// <summary>An operation's whole stream, in version order.</summary>
public sealed record OperationStream(string OperationId, List<EncodedEvent> Events);

/// <summary>
/// The streams a backtest compares: those of its operation type whose first event (the first signal) has its engine time in
/// [from, to), each bound optional, in stream-id order by keyset pages, each page in one statement (one snapshot).
/// </summary>
public static class BacktestStreams
{
    // Without a range the first event need not be looked at.
    private const string InRange = """
        ($3::timestamptz IS NULL AND $4::timestamptz IS NULL OR EXISTS (
            SELECT 1 FROM events f WHERE f.stream_id = s.stream_id AND f.version = 1
              AND ($3::timestamptz IS NULL OR (f.data->>'at')::timestamptz >= $3)
              AND ($4::timestamptz IS NULL OR (f.data->>'at')::timestamptz < $4)))
        """;

    // $2 (the cursor) is not used: the count takes the same parameters as a page.
    private const string CountSql = $"SELECT count(*) FROM streams s WHERE s.operation_type = $1 AND {InRange}";

    private const string PageSql = $"""
        SELECT p.stream_id, e.type, e.data
        FROM (SELECT s.stream_id, s.version FROM streams s
              WHERE s.operation_type = $1 AND s.stream_id > $2 AND {InRange}
              ORDER BY s.stream_id LIMIT $5) AS p
        JOIN events e ON e.stream_id = p.stream_id AND e.version <= p.version
        ORDER BY p.stream_id, e.version
        """;

    public static async Task<long> CountAsync(NpgsqlConnection connection, string operationType, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        await using var command = Command(CountSql, connection, operationType, "", from, to);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Up to <paramref name="limit"/> operations after <paramref name="afterOperation"/> ("" from the start), with their events.</summary>
    public static async Task<List<OperationStream>> ReadPageAsync(
        NpgsqlConnection connection, string operationType, DateTimeOffset? from, DateTimeOffset? to, string afterOperation, int limit, CancellationToken ct)
    {
        await using var command = Command(PageSql, connection, operationType, afterOperation, from, to);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var page = new List<OperationStream>(limit);
        OperationStream? current = null;
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            if (current is null || !string.Equals(current.OperationId, id, StringComparison.Ordinal))
            {
                current = new OperationStream(id, []);
                page.Add(current);
            }
            current.Events.Add(new EncodedEvent(reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
        }
        return page;
    }

    private static NpgsqlCommand Command(string sql, NpgsqlConnection connection, string operationType, string after, DateTimeOffset? from, DateTimeOffset? to)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationType });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after });
        command.Parameters.Add(new() { Value = (object?)from ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)to ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return command;
    }
}
