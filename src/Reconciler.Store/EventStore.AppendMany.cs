using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Store;

public sealed partial class EventStore
{
    // Set-based: whatever the number of streams, three statements (move existing streams, create new
    // ones, insert every event) with array parameters, so a request touching a thousand operations
    // costs one round trip and three plans, not a thousand.
    private const string MoveStreams = """
        UPDATE streams AS s SET version = u.expected + u.count, updated_at = now()
        FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS u(id, expected, count)
        WHERE s.stream_id = u.id AND s.version = u.expected
        """;
    private const string CreateStreams = """
        INSERT INTO streams (stream_id, operation_type, version)
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
        ON CONFLICT (stream_id) DO NOTHING
        """;
    private const string InsertEvents = """
        INSERT INTO events (stream_id, version, type, data, metadata)
        SELECT id, version, type, data::jsonb, metadata::jsonb
        FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[]) AS e(id, version, type, data, metadata)
        RETURNING stream_id, version, position
        """;

    /// <summary>
    /// Appends to many streams with exact expected versions (or none) inside the caller's transaction, and runs
    /// <paramref name="followUps"/> in the same round trip after the events are in (they may join on
    /// events by stream and version to find positions). Returns one result per append, in order.
    /// </summary>
    public async Task<IReadOnlyList<AppendResult>> AppendWithAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamAppend> appends,
        IReadOnlyList<NpgsqlBatchCommand> followUps, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (appends.Any(a => a.Expected.IsAny || a.Events.Count == 0))
        {
            throw new ArgumentException("AppendWithAsync needs an exact or no-stream expected version and at least one event per stream.", nameof(appends));
        }
        var existing = appends.Where(a => !a.Expected.IsNoStream && a.Expected.Value > 0).ToList();
        var created = appends.Where(a => a.Expected.IsNoStream || a.Expected.Value == 0).ToList();
        var events = appends.SelectMany(a => a.Events.Select((e, i) => (a.StreamId, Version: Base(a) + i + 1, e))).ToList();

        await using var batch = new NpgsqlBatch(connection, transaction);
        var move = Command(MoveStreams,
            Texts(existing.Select(a => a.StreamId)), Longs(existing.Select(a => a.Expected.Value)), Longs(existing.Select(a => (long)a.Events.Count)));
        var create = Command(CreateStreams,
            Texts(created.Select(a => a.StreamId)), Texts(created.Select(a => a.OperationType)), Longs(created.Select(a => (long)a.Events.Count)));
        batch.BatchCommands.Add(move);
        batch.BatchCommands.Add(create);
        batch.BatchCommands.Add(Command(InsertEvents,
            Texts(events.Select(x => x.StreamId)), Longs(events.Select(x => x.Version)), Texts(events.Select(x => x.e.Type)),
            Texts(events.Select(x => x.e.Data)), Texts(events.Select(x => x.e.Metadata))));
        foreach (var followUp in followUps)
        {
            batch.BatchCommands.Add(followUp);
        }

        var positions = new Dictionary<(string, long), long>(events.Count);
        try
        {
            // Only the events insert returns rows (statements without rows yield no result set to step over).
            await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            do
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    positions[(reader.GetString(0), reader.GetInt64(1))] = reader.GetInt64(2);
                }
            }
            while (await reader.NextResultAsync(ct).ConfigureAwait(false));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "events_stream_id_version_key")
        {
            var refused = appends.FirstOrDefault(a => e.Detail?.Contains(a.StreamId, StringComparison.Ordinal) == true) ?? appends[0];
            throw new WrongExpectedVersionException(refused.StreamId, refused.Expected, null, e);
        }
        if (move.RecordsAffected != existing.Count || create.RecordsAffected != created.Count)
        {
            // Some stream was not where the writer expected: find which, for the error; the caller rolls back.
            foreach (var append in appends)
            {
                var actual = await ActualVersionAsync(connection, transaction, append.StreamId, ct).ConfigureAwait(false);
                if (actual != Base(append) + append.Events.Count)
                {
                    throw new WrongExpectedVersionException(append.StreamId, append.Expected, actual is { } v ? v - append.Events.Count : null);
                }
            }
        }
        return appends.Select(a =>
        {
            var mine = Enumerable.Range(1, a.Events.Count).Select(i => positions[(a.StreamId, Base(a) + i)]).ToList();
            return new AppendResult(a.StreamId, mine[0], mine[^1], Base(a) + a.Events.Count, mine);
        }).ToList();
    }

    private static long Base(StreamAppend append) => append.Expected.IsNoStream ? 0 : append.Expected.Value;

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter Texts(IEnumerable<string?> values) =>
        new NpgsqlParameter<string?[]> { TypedValue = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter Longs(IEnumerable<long> values) =>
        new NpgsqlParameter<long[]> { TypedValue = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };
}
