using Npgsql;
using NpgsqlTypes;
using Reconciler.Store;

namespace Reconciler.Conflicts;

/// <summary>The filters of <c>GET /v1/conflicts</c>; null = not filtered. <c>From</c>/<c>To</c> bound <c>openedAt</c> (from inclusive, to exclusive);
/// <c>Cause</c> is a missing signal's cause (source-silent, not-reported).</summary>
public sealed record ConflictFilter(
    string? Kind, string? Status, string? Severity, string? Source, string? Facet, string? OperationType, string? OperationId,
    DateTimeOffset? From, DateTimeOffset? To, string? Cause = null);

/// <summary>
/// Reads the <c>conflicts</c> projection: each record is its stored <c>ConflictDocument</c> JSON plus <c>evidence</c>,
/// the positions of the events that opened and closed it (looked up through its stream versions).
/// Pages run newest first by (inserting transaction, seq), which a record keeps for life, and show only
/// records of transactions older than every running one (the feed's safe point): a record whose seq was
/// taken early and committed late appears below no page a walk has already passed, so a walk never skips
/// one; updates never move a record. A record shows once its transaction and every older one are done.
/// </summary>
public static class ConflictQuery
{
    // The record with its evidence positions, as JSON text.
    private const string RecordColumn = """
        (c.record || jsonb_build_object('evidence', COALESCE(
            (SELECT jsonb_agg(e.position ORDER BY e.version) FROM events e
             WHERE e.stream_id = c.operation_id AND e.version = ANY(c.evidence_versions)), '[]'::jsonb)))::text
        """;

    private const string ListSql = $"""
        SELECT c.created_tx, c.seq, {RecordColumn}
        FROM conflicts c
        WHERE ($1::text IS NULL OR c.kind = $1) AND ($2::text IS NULL OR c.status = $2)
          AND ($3::text IS NULL OR c.severity = $3) AND ($4::text IS NULL OR c.sources @> ARRAY[$4::text])
          AND ($5::text IS NULL OR c.facet = $5) AND ($6::text IS NULL OR c.operation_type = $6)
          AND ($7::text IS NULL OR c.operation_id = $7) AND ($13::text IS NULL OR c.record->>'cause' = $13)
          AND ($8::timestamptz IS NULL OR c.opened_at >= $8) AND ($9::timestamptz IS NULL OR c.opened_at < $9)
          AND c.created_tx < pg_snapshot_xmin(pg_current_snapshot())
          AND ($10::xid8 IS NULL OR (c.created_tx, c.seq) < ($10::xid8, $11::bigint))
        ORDER BY c.created_tx DESC, c.seq DESC
        LIMIT $12
        """;

    /// <summary>A command over the matching records (created_tx, seq, record JSON), newest first, below <paramref name="before"/>; <paramref name="limit"/> null = all.</summary>
    public static NpgsqlCommand ListCommand(NpgsqlDataSource dataSource, ConflictFilter filter, FeedCursor? before, int? limit)
    {
        var command = dataSource.CreateCommand(ListSql);
        command.Parameters.Add(Text(filter.Kind));
        command.Parameters.Add(Text(filter.Status));
        command.Parameters.Add(Text(filter.Severity));
        command.Parameters.Add(Text(filter.Source));
        command.Parameters.Add(Text(filter.Facet));
        command.Parameters.Add(Text(filter.OperationType));
        command.Parameters.Add(Text(filter.OperationId));
        command.Parameters.Add(Time(filter.From));
        command.Parameters.Add(Time(filter.To));
        command.Parameters.Add(new NpgsqlParameter { Value = before is { } b ? b.TransactionId : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter { Value = before is { } c ? c.Position : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)limit ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(Text(filter.Cause));
        return command;
    }

    /// <summary>One record (with evidence positions) as JSON text, or null.</summary>
    public static async Task<string?> GetAsync(NpgsqlDataSource dataSource, string conflictId, CancellationToken ct)
    {
        const string sql = $"SELECT {RecordColumn} FROM conflicts c WHERE c.conflict_id = $1";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = conflictId });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>The operation a conflict belongs to, or null for an unknown conflict.</summary>
    public static async Task<(string OperationId, string OperationType)?> FindOperationAsync(NpgsqlDataSource dataSource, string conflictId, CancellationToken ct)
    {
        const string sql = "SELECT operation_id, operation_type FROM conflicts WHERE conflict_id = $1";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = conflictId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = value is { } t ? t.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
