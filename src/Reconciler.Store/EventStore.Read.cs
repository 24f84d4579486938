using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.State;
using Reconciler.Store.Sql;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store;

public sealed partial class EventStore
{
    private const string EventColumns = """
        e.position, e.stream_id, s.operation_type, e.version, e.type, e.data::text, e.metadata::text, e.recorded_at, e.transaction_id
        """;

    /// <summary>A stream's events from <paramref name="fromVersion"/> to <paramref name="toVersion"/> (inclusive).</summary>
    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, long fromVersion = 1, long toVersion = long.MaxValue, CancellationToken ct = default)
    {
        const string Sql = $"""
            SELECT {EventColumns}
            FROM events e JOIN streams s ON s.stream_id = e.stream_id
            WHERE e.stream_id = $1 AND e.version BETWEEN $2 AND $3
            ORDER BY e.version
            """;
        await using var command = DataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromVersion });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toVersion });
        return await ReadEventsAsync(command, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// An operation's current state: the writer's snapshot when it is readable and current, else the fold of
    /// its events (an operation not written since an upgrade). Null when the operation does not exist.
    /// </summary>
    public async Task<OperationState?> ReadStateAsync(string streamId, CancellationToken ct = default)
    {
        await using (var command = DataSource.CreateCommand("SELECT version, snapshot FROM streams WHERE stream_id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                return null;
            }
            if (!reader.IsDBNull(1) && OperationSnapshot.Read(reader.GetFieldValue<byte[]>(1)) is { } state && state.Version == reader.GetInt64(0))
            {
                return state;
            }
        }
        return OperationDecider.Fold(await ReadDecodedStreamAsync(streamId, ct: ct).ConfigureAwait(false));
    }

    /// <summary>
    /// A stream's events up to <paramref name="toVersion"/>, decoded, for folding (time travel, replay). Each
    /// event's JSON is read as UTF-8 bytes and decoded as it arrives: no text copy of the stream is kept.
    /// </summary>
    public async Task<IReadOnlyList<OperationEvent>> ReadDecodedStreamAsync(string streamId, long toVersion = long.MaxValue, CancellationToken ct = default)
    {
        await using var command = DataSource.CreateCommand("SELECT type, data FROM events WHERE stream_id = $1 AND version <= $2 ORDER BY version");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toVersion });
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var events = new List<OperationEvent>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            events.Add(EventCodec.Deserialize(reader.GetString(0), reader.GetFieldValue<byte[]>(1)));
        }
        return events;
    }

    public async Task<StreamInfo?> GetStreamAsync(string streamId, CancellationToken ct = default)
    {
        const string Sql = "SELECT stream_id, operation_type, version, created_at, updated_at FROM streams WHERE stream_id = $1";
        await using var command = DataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadStreamInfo(reader) : null;
    }

    private static StreamInfo ReadStreamInfo(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4));

    /// <summary>
    /// Up to <paramref name="limit"/> committed events after <paramref name="after"/>, in commit-safe
    /// order (transaction id, position), optionally only of the given event types. Only transactions
    /// older than every running one are read, so an event that took its position early and committed
    /// late is read after the cursor has passed its position, never skipped. When the page is not
    /// full, <see cref="FeedPage.Next"/> moves up to the safe point even if nothing matched.
    /// </summary>
    public async Task<FeedPage> ReadAllAsync(FeedCursor after, int limit, IReadOnlyCollection<string>? types = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        const string Sql = $"""
            SELECT {EventColumns}
            FROM events e JOIN streams s ON s.stream_id = e.stream_id
            WHERE (e.transaction_id, e.position) > ($1, $2)
              AND e.transaction_id < {SafePoint.Expression}
              AND ($4::text[] IS NULL OR e.type = ANY($4))
            ORDER BY e.transaction_id, e.position
            LIMIT $3
            """;
        await using var connection = await DataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        // The safe point is taken first: the events statement's own snapshot is at least as late, so
        // everything below it has been read when the page is not full.
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT {SafePoint.Expression}"));
        var read = new NpgsqlBatchCommand(Sql);
        read.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = after.TransactionId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        read.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Position });
        read.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        read.Parameters.Add(new NpgsqlParameter { Value = types is null ? DBNull.Value : types.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        batch.BatchCommands.Add(read);

        await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        var safe = reader.GetFieldValue<ulong>(0);
        await reader.NextResultAsync(ct).ConfigureAwait(false);
        var events = new List<RecordedEvent>(Math.Min(limit, 1024));
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            events.Add(ReadEvent(reader));
        }
        var next = events.Count > 0 ? events[^1].Cursor : after;
        if (events.Count < limit && new FeedCursor(safe, 0) > next)
        {
            next = new FeedCursor(safe, 0);
        }
        return new FeedPage(events, next);
    }

    /// <summary>
    /// The cursor of "only new events from now on": past every transaction that had begun when it was
    /// asked for. Those still running are waited for (up to <see cref="EndCursorWait"/>), since the safe
    /// point alone lies behind any writing transaction of this database, and would hand
    /// back events committed before the call. A transaction open longer than that leaves the cursor at
    /// the safe point: a few older events may then come again (at least once), none is ever skipped.
    /// </summary>
    public async Task<FeedCursor> GetEndCursorAsync(CancellationToken ct = default)
    {
        var (safe, horizon) = await ReadSnapshotBoundsAsync(ct).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        while (safe < horizon && Stopwatch.GetElapsedTime(started) < EndCursorWait)
        {
            await Task.Delay(EndCursorPoll, ct).ConfigureAwait(false);
            (safe, _) = await ReadSnapshotBoundsAsync(ct).ConfigureAwait(false);
        }
        return new FeedCursor(Math.Min(safe, horizon), 0);
    }

    private static readonly TimeSpan EndCursorWait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan EndCursorPoll = TimeSpan.FromMilliseconds(5);

    /// <summary>The oldest transaction still running (the safe point) and the first not yet begun.</summary>
    private async Task<(ulong Safe, ulong Horizon)> ReadSnapshotBoundsAsync(CancellationToken ct)
    {
        await using var command = DataSource.CreateCommand(SafePoint.WithHorizon);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return (reader.GetFieldValue<ulong>(0), reader.GetFieldValue<ulong>(1));
    }

    /// <summary>The safe point and the oldest open writing transaction of this database, which holds the feed back.</summary>
    public async Task<FeedHealth> GetFeedHealthAsync(CancellationToken ct = default)
    {
        const string Sql = $"""
            SELECT {SafePoint.Expression}, pg_snapshot_xmax(pg_current_snapshot()), o.age, o.pid
            FROM (SELECT 1) one
            LEFT JOIN LATERAL (
                SELECT now() - xact_start AS age, pid FROM pg_stat_activity
                WHERE backend_xid IS NOT NULL AND datname = current_database() ORDER BY xact_start LIMIT 1) o ON true
            """;
        await using var command = DataSource.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return new FeedHealth(
            reader.GetFieldValue<ulong>(0),
            reader.GetFieldValue<ulong>(1),
            reader.IsDBNull(2) ? null : reader.GetFieldValue<TimeSpan>(2),
            reader.IsDBNull(3) ? null : reader.GetInt32(3));
    }

    /// <summary>The committed events after <paramref name="after"/> that match the filters (at most <paramref name="max"/>), and when the oldest was recorded.</summary>
    public async Task<(long Events, DateTimeOffset? Oldest)> CountBehindAsync(
        FeedCursor after, IReadOnlyCollection<string>? types, IReadOnlyCollection<string>? operationTypes, int max, CancellationToken ct = default)
    {
        const string Sql = $"""
            SELECT count(*), min(recorded_at) FROM (
                SELECT e.recorded_at
                FROM events e JOIN streams s ON s.stream_id = e.stream_id
                WHERE (e.transaction_id, e.position) > ($1, $2)
                  AND e.transaction_id < {SafePoint.Expression}
                  AND ($3::text[] IS NULL OR e.type = ANY($3))
                  AND ($4::text[] IS NULL OR s.operation_type = ANY($4))
                ORDER BY e.transaction_id, e.position
                LIMIT $5) behind
            """;
        await using var command = DataSource.CreateCommand(Sql);
        command.Parameters.Add(Xid8(after.TransactionId));
        command.Parameters.Add(Long(after.Position));
        command.Parameters.Add(Texts(types));
        command.Parameters.Add(Texts(operationTypes));
        command.Parameters.Add(Int(max));
        await using var row = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await row.ReadAsync(ct).ConfigureAwait(false);
        return (row.GetInt64(0), row.IsDBNull(1) ? null : row.GetFieldValue<DateTimeOffset>(1));
    }

    private static async Task<IReadOnlyList<RecordedEvent>> ReadEventsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var events = new List<RecordedEvent>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            events.Add(ReadEvent(reader));
        }
        return events;
    }

    private static RecordedEvent ReadEvent(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetInt64(3),
        reader.GetString(4),
        reader.GetString(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.GetFieldValue<DateTimeOffset>(7),
        reader.GetFieldValue<ulong>(8));
}
