using Reconciler.Store.Replicas;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using Reconciler.Store.Sql;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Conflicts;

/// <summary>The filters of <c>GET /v1/conflicts</c>; null = not filtered. <c>From</c>/<c>To</c> bound <c>openedAt</c> (from inclusive, to exclusive);
/// <c>Cause</c> is a missing signal's cause (source-silent, not-reported). Accountability: <c>Assignee</c> the team that has it,
/// <c>Overdue</c> open past its dueBy (as the engine saw), <c>Acknowledged</c> taken on by a person, <c>Snoozed</c> open and
/// snoozed until after <c>Now</c>.</summary>
public sealed record ConflictFilter(
    string? Kind, string? Status, string? Severity, string? Source, string? Facet, string? OperationType, string? OperationId,
    DateTimeOffset? From, DateTimeOffset? To, string? Cause = null)
{
    public string? Assignee { get; init; }

    public bool? Overdue { get; init; }

    public bool? Acknowledged { get; init; }

    public bool? Snoozed { get; init; }

    public DateTimeOffset? Now { get; init; }
}

/// <summary>Records of one kind among those a filter matches: all of them, and those open.</summary>
public sealed record KindCount(string Kind, long Count, long Open);

/// <summary>Open records by how long they have been open: under an hour, 1–24 hours, 1–7 days, over 7 days.</summary>
public sealed record OpenAges(long UnderAnHour, long UnderADay, long UnderAWeek, long OverAWeek);

/// <summary>
/// Reads the <c>conflicts</c> projection: each record is its stored <c>ConflictDocument</c> JSON plus <c>evidence</c>,
/// the positions of the events that opened and closed it (looked up through its stream versions).
/// Pages run newest first by (inserting transaction, seq), which a record keeps for life, and show only
/// records of transactions older than every running one (the feed's safe point): a record whose seq was
/// taken early and committed late appears below no page a walk has already passed, so a walk never skips
/// one; updates never move a record. A record shows once its transaction and every older one are done.
/// </summary>
public sealed class ConflictQuery(ReadSource reads)
{
    // The record with its evidence positions, as JSON text.
    private const string RecordColumn = """
        (c.record || jsonb_build_object('evidence', COALESCE(
            (SELECT jsonb_agg(e.position ORDER BY e.version) FROM events e
             WHERE e.stream_id = c.operation_id AND e.version = ANY(c.evidence_versions)), '[]'::jsonb)))::text
        """;

    // The filters of a listing ($1..$15), over records committed below the feed's safe point. The safe point is a
    // sub-select so it is taken once per statement: as a plain filter a scan (the counts) would take it per row.
    private const string FilterSql = $"""
        ($1::text IS NULL OR c.kind = $1) AND ($2::text IS NULL OR c.status = $2)
          AND ($3::text IS NULL OR c.severity = $3) AND ($4::text IS NULL OR c.sources @> ARRAY[$4::text])
          AND ($5::text IS NULL OR c.facet = $5) AND ($6::text IS NULL OR c.operation_type = $6)
          AND ($7::text IS NULL OR c.operation_id = $7) AND ($10::text IS NULL OR c.record->>'cause' = $10)
          AND ($8::timestamptz IS NULL OR c.opened_at >= $8) AND ($9::timestamptz IS NULL OR c.opened_at < $9)
          AND ($11::text IS NULL OR c.record->>'assignee' = $11)
          AND ($12::boolean IS NULL OR (c.status = 'open' AND c.record->>'overdueAt' IS NOT NULL) = $12)
          AND ($13::boolean IS NULL OR (c.record->>'acknowledgedBy' IS NOT NULL) = $13)
          AND ($14::boolean IS NULL OR (c.status = 'open' AND COALESCE((c.record->>'snoozedUntil')::timestamptz > $15, false)) = $14)
          AND c.created_tx < {SafePoint.Expression}
        """;

    private const string ListSql = $"""
        SELECT c.created_tx, c.seq, {RecordColumn}
        FROM conflicts c
        WHERE {FilterSql}
          AND ($16::xid8 IS NULL OR (c.created_tx, c.seq) < ($16::xid8, $17::bigint))
        ORDER BY c.created_tx DESC, c.seq DESC
        LIMIT $18
        """;

    /// <summary>The matching records (JSON text), newest first, below <paramref name="before"/>; <paramref name="limit"/> null = all.
    /// Streamed as read (the CSV export writes every one of them).</summary>
    public async IAsyncEnumerable<string> ListRecordsAsync(ConflictFilter filter, FeedCursor? before, int? limit, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = ListCommand(filter, before, limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            yield return reader.GetString(2);
        }
    }

    // The matching records (created_tx, seq, record JSON), newest first, below before; limit null = all.
    private NpgsqlCommand ListCommand(ConflictFilter filter, FeedCursor? before, int? limit)
    {
        var command = FilteredCommand(ListSql, filter);
        command.Parameters.Add(new NpgsqlParameter { Value = before is { } b ? b.TransactionId : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter { Value = before is { } c ? c.Position : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)limit ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        return command;
    }

    /// <summary>One page of records (JSON text) newest first below <paramref name="before"/>, and the cursor of the next page (null on the last).</summary>
    public async Task<(IReadOnlyList<string> Records, FeedCursor? Next)> ReadPageAsync(
        ConflictFilter filter, FeedCursor? before, int size, CancellationToken ct)
    {
        await using var command = ListCommand(filter, before, size + 1);
        var records = new List<string>(size + 1);
        var last = FeedCursor.Start;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (records.Count < size)
                {
                    last = new FeedCursor(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
                }
                records.Add(reader.GetString(2));
            }
        }
        if (records.Count <= size)
        {
            return (records, null);
        }
        records.RemoveAt(records.Count - 1);
        return (records, last);
    }

    /// <summary>Matching records per kind (all, and open), largest first; the filter's own kind is ignored so every kind is counted.</summary>
    public async Task<IReadOnlyList<KindCount>> CountByKindAsync(ConflictFilter filter, CancellationToken ct)
    {
        const string sql = $"""
            SELECT c.kind, count(*), count(*) FILTER (WHERE c.status = 'open')
            FROM conflicts c WHERE {FilterSql}
            GROUP BY c.kind ORDER BY count(*) DESC, c.kind
            """;
        await using var command = FilteredCommand(sql, filter with { Kind = null });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var counts = new List<KindCount>();
        while (await reader.ReadAsync(ct))
        {
            counts.Add(new KindCount(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }
        return counts;
    }

    /// <summary>How long the matching open records have been open (since their latest opening) at <paramref name="now"/>.</summary>
    public async Task<OpenAges> CountOpenAgesAsync(ConflictFilter filter, DateTimeOffset now, CancellationToken ct)
    {
        const string sql = $"""
            SELECT count(*) FILTER (WHERE c.opened_at > $16 - interval '1 hour'),
                   count(*) FILTER (WHERE c.opened_at <= $16 - interval '1 hour' AND c.opened_at > $16 - interval '1 day'),
                   count(*) FILTER (WHERE c.opened_at <= $16 - interval '1 day' AND c.opened_at > $16 - interval '7 days'),
                   count(*) FILTER (WHERE c.opened_at <= $16 - interval '7 days')
            FROM conflicts c WHERE {FilterSql}
            """;
        await using var command = FilteredCommand(sql, filter with { Status = Reconciler.Core.State.ConflictRecord.Open });
        command.Parameters.Add(Time(now));
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new OpenAges(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>The events that opened and closed a conflict, in stream order.</summary>
    public async Task<IReadOnlyList<RecordedEvent>> EvidenceEventsAsync(string conflictId, CancellationToken ct)
    {
        const string sql = """
            SELECT e.position, e.stream_id, c.operation_type, e.version, e.type, e.data::text, e.metadata::text, e.recorded_at, e.transaction_id
            FROM conflicts c JOIN events e ON e.stream_id = c.operation_id AND e.version = ANY(c.evidence_versions)
            WHERE c.conflict_id = $1
            ORDER BY e.version
            """;
        await using var command = reads.DataSource.CreateCommand(sql);
        command.Parameters.Add(Text(conflictId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<RecordedEvent>();
        while (await reader.ReadAsync(ct))
        {
            events.Add(new RecordedEvent(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<ulong>(8)));
        }
        return events;
    }

    private NpgsqlCommand FilteredCommand(string sql, ConflictFilter filter)
    {
        var command = reads.DataSource.CreateCommand(sql);
        command.Parameters.Add(Text(filter.Kind));
        command.Parameters.Add(Text(filter.Status));
        command.Parameters.Add(Text(filter.Severity));
        command.Parameters.Add(Text(filter.Source));
        command.Parameters.Add(Text(filter.Facet));
        command.Parameters.Add(Text(filter.OperationType));
        command.Parameters.Add(Text(filter.OperationId));
        command.Parameters.Add(Time(filter.From));
        command.Parameters.Add(Time(filter.To));
        command.Parameters.Add(Text(filter.Cause));
        command.Parameters.Add(Text(filter.Assignee));
        command.Parameters.Add(Flag(filter.Overdue));
        command.Parameters.Add(Flag(filter.Acknowledged));
        command.Parameters.Add(Flag(filter.Snoozed));
        command.Parameters.Add(Time(filter.Now));
        return command;
    }

    /// <summary>One record (with evidence positions) as JSON text, or null.</summary>
    public async Task<string?> GetAsync(string conflictId, CancellationToken ct)
    {
        const string sql = $"SELECT {RecordColumn} FROM conflicts c WHERE c.conflict_id = $1";
        await using var command = reads.DataSource.CreateCommand(sql);
        command.Parameters.Add(Text(conflictId));
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>The operation a conflict belongs to, or null for an unknown conflict.</summary>
    public async Task<(string OperationId, string OperationType)?> FindOperationAsync(string conflictId, CancellationToken ct)
    {
        const string sql = "SELECT operation_id, operation_type FROM conflicts WHERE conflict_id = $1";
        await using var command = reads.DataSource.CreateCommand(sql);
        command.Parameters.Add(Text(conflictId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetString(0), reader.GetString(1)) : null;
    }
}
