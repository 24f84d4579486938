using Reconciler.Store.Replicas;
using Npgsql;
using NpgsqlTypes;
using Reconciler.Store.Sql;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Operations;

/// <summary>An operation as <c>GET /v1/operations</c> lists it (the <c>operations</c> projection with its stream's version).</summary>
public sealed record OperationSummary(
    string OperationId, string OperationType, long Version, int PolicyVersion, string Outcome, string Health,
    DateTimeOffset? NextDeadline, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// Reads the <c>operations</c> projection newest first (by creation), filtered. Like the conflict list, pages run by
/// (inserting transaction, seq) below the feed's safe point, so a walk never skips an operation.
/// </summary>
public sealed class OperationQuery(ReadSource reads)
{
    private const string PageSql = $"""
        SELECT o.operation_id, o.operation_type, s.version, o.policy_version, o.outcome, o.health, o.next_deadline, o.created_at, s.updated_at,
               o.created_tx, o.seq
        FROM operations o JOIN streams s ON s.stream_id = o.operation_id
        WHERE ($1::text IS NULL OR o.outcome = $1) AND ($2::text IS NULL OR o.health = $2) AND ($3::text IS NULL OR o.operation_type = $3)
          AND o.created_tx < {SafePoint.Expression}
          AND ($4::xid8 IS NULL OR (o.created_tx, o.seq) < ($4::xid8, $5::bigint))
        ORDER BY o.created_tx DESC, o.seq DESC
        LIMIT $6
        """;

    /// <summary>One page of operations newest first below <paramref name="before"/>, and the cursor of the next page (null on the last).</summary>
    public async Task<(IReadOnlyList<OperationSummary> Items, FeedCursor? Next)> ReadPageAsync(
        string? outcome, string? health, string? operationType, FeedCursor? before, int size, CancellationToken ct)
    {
        await using var command = reads.DataSource.CreateCommand(PageSql);
        command.Parameters.Add(Text(outcome));
        command.Parameters.Add(Text(health));
        command.Parameters.Add(Text(operationType));
        command.Parameters.Add(new NpgsqlParameter { Value = before is { } b ? b.TransactionId : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter { Value = before is { } c ? c.Position : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(Int(size + 1));
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

    /// <summary>Up to <paramref name="limit"/> operations whose next deadline is due at <paramref name="now"/>, earliest first.</summary>
    public async Task<IReadOnlyList<(string OperationId, string OperationType)>> DueAsync(DateTimeOffset now, int limit, CancellationToken ct)
    {
        const string sql = """
            SELECT operation_id, operation_type FROM operations
            WHERE next_deadline <= $1 ORDER BY next_deadline LIMIT $2
            """;
        await using var command = reads.DataSource.CreateCommand(sql);
        command.Parameters.Add(Time(now));
        command.Parameters.Add(Int(limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var due = new List<(string, string)>();
        while (await reader.ReadAsync(ct))
        {
            due.Add((reader.GetString(0), reader.GetString(1)));
        }
        return due;
    }

    /// <summary>The earliest pending deadline of any operation, or null when there is none.</summary>
    public async Task<DateTimeOffset?> NextDeadlineAsync(CancellationToken ct)
    {
        await using var command = reads.DataSource.CreateCommand("SELECT min(next_deadline) FROM operations WHERE next_deadline IS NOT NULL");
        return await command.ExecuteScalarAsync(ct) is DateTime next ? new DateTimeOffset(next, TimeSpan.Zero) : null;
    }
}
