using System.Globalization;
using Npgsql;

namespace Reconciler.Api;

/// <summary><c>GET /v1/operations</c>: newest first (by creation), filtered, paged by an opaque cursor.</summary>
public static class OperationList
{
    public sealed record OperationSummary(
        string OperationId, string OperationType, long Version, int PolicyVersion, string Outcome, string Health,
        DateTimeOffset? NextDeadline, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    public sealed record Page(IReadOnlyList<OperationSummary> Items, string? Next);

    private const int DefaultLimit = 50;
    private const int MaxLimit = 1000;

    private const string Sql = """
        SELECT operation_id, operation_type, version, policy_version, outcome, health, next_deadline, created_at, updated_at, seq
        FROM operations
        WHERE ($1::text IS NULL OR outcome = $1) AND ($2::text IS NULL OR health = $2)
          AND ($3::text IS NULL OR operation_type = $3) AND ($4::bigint IS NULL OR seq < $4)
        ORDER BY seq DESC
        LIMIT $5
        """;

    public static async Task<IResult> ListAsync(
        string? outcome, string? health, string? operationType, string? cursor, int? limit, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        long? before = null;
        if (cursor is not null)
        {
            if (!cursor.StartsWith("o", StringComparison.Ordinal) || !long.TryParse(cursor.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                return Problems.BadRequest("invalid-cursor", "cursor must be a 'next' value from an earlier page.");
            }
            before = seq;
        }
        if (limit is < 1 or > MaxLimit)
        {
            return Problems.BadRequest("invalid-limit", $"limit must be 1..{MaxLimit}.");
        }
        var size = limit ?? DefaultLimit;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)outcome ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)health ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)operationType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = size + 1 });
        var items = new List<OperationSummary>(size + 1);
        long lastSeq = 0;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                items.Add(new OperationSummary(
                    reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetString(4), reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                    reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8)));
                if (items.Count <= size)
                {
                    lastSeq = reader.GetInt64(9);
                }
            }
        }
        var hasMore = items.Count > size;
        if (hasMore)
        {
            items.RemoveAt(items.Count - 1);
        }
        return TypedResults.Ok(new Page(items, hasMore ? "o" + lastSeq.ToString(CultureInfo.InvariantCulture) : null));
    }
}
