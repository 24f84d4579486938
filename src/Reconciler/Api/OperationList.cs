using System.ComponentModel.DataAnnotations;
using Npgsql;
using Reconciler.Store;

namespace Reconciler.Api;

/// <summary>
/// <c>GET /v1/operations</c>: newest first (by creation), filtered, paged by an opaque cursor. Like the conflict
/// list, pages run by (inserting transaction, seq) below the feed's safe point, so a walk never skips an operation.
/// </summary>
public static class OperationList
{
    public sealed record OperationSummary(
        string OperationId, string OperationType, long Version, int PolicyVersion, string Outcome, string Health,
        DateTimeOffset? NextDeadline, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    public sealed record Page(IReadOnlyList<OperationSummary> Items, string? Next);

    private const int DefaultLimit = 50;
    private const int MaxLimit = 1000;

    private const string Sql = """
        SELECT o.operation_id, o.operation_type, s.version, o.policy_version, o.outcome, o.health, o.next_deadline, o.created_at, s.updated_at,
               o.created_tx, o.seq
        FROM operations o JOIN streams s ON s.stream_id = o.operation_id
        WHERE ($1::text IS NULL OR o.outcome = $1) AND ($2::text IS NULL OR o.health = $2) AND ($3::text IS NULL OR o.operation_type = $3)
          AND o.created_tx < pg_snapshot_xmin(pg_current_snapshot())
          AND ($4::xid8 IS NULL OR (o.created_tx, o.seq) < ($4::xid8, $5::bigint))
        ORDER BY o.created_tx DESC, o.seq DESC
        LIMIT $6
        """;

    public static async Task<IResult> ListAsync(
        string? outcome, string? health, string? operationType, string? cursor, [Range(1, MaxLimit)] int? limit, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        FeedCursor? before = null;
        if (cursor is not null)
        {
            if (!FeedCursor.TryDecode(cursor, out var decoded))
            {
                return Problems.BadRequest("invalid-cursor", "cursor must be a 'next' value from an earlier page.");
            }
            before = decoded;
        }
        if (limit is < 1 or > MaxLimit)
        {
            return Problems.BadRequest("invalid-limit", $"limit must be 1..{MaxLimit}.");
        }
        var (items, next) = await ReadPageAsync(dataSource, outcome, health, operationType, before, limit ?? DefaultLimit, ct);
        return TypedResults.Ok(new Page(items, next?.Encode()));
    }

    /// <summary>One page of operations newest first below <paramref name="before"/>, and the cursor of the next page (null on the last).</summary>
    public static async Task<(IReadOnlyList<OperationSummary> Items, FeedCursor? Next)> ReadPageAsync(
        NpgsqlDataSource dataSource, string? outcome, string? health, string? operationType, FeedCursor? before, int size, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)outcome ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)health ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)operationType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = before is { } b ? b.TransactionId : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter { Value = before is { } c ? c.Position : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = size + 1 });
        var items = new List<OperationSummary>(size + 1);
        var last = FeedCursor.Start;
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
                    last = new FeedCursor(reader.GetFieldValue<ulong>(9), reader.GetInt64(10));
                }
            }
        }
        if (items.Count <= size)
        {
            return (items, null);
        }
        items.RemoveAt(items.Count - 1);
        return (items, last);
    }
}
