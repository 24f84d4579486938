using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Store;

/// <summary>
/// The PostgreSQL event store. Every write has two forms: one that runs in a transaction the caller
/// owns (pass its open connection and transaction; on an exception the caller must roll back) and a
/// convenience form that opens its own. Reads are in EventStore.Read.cs, receipts and checkpoints in
/// EventStore.Receipts.cs.
/// </summary>
public sealed partial class EventStore(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    // One statement per stream: move the stream's version (or create it), then insert its events
    // numbered from the old version. No row comes back when the expected version does not hold.
    // Parameters: $1 stream, $2 operation type (unused by the update), $3 count, $4-$6 the event
    // columns, $7 the expected version.
    private const string EventsInsert = """
        INSERT INTO events (stream_id, version, type, data, metadata)
        SELECT $1, s.base + e.n, e.type, e.data::jsonb, e.metadata::jsonb
        FROM s, unnest($4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS e(type, data, metadata, n)
        RETURNING position, version
        """;

    private const string AppendNoStream = $"""
        WITH s AS (
            INSERT INTO streams (stream_id, operation_type, version) VALUES ($1, $2, $3)
            ON CONFLICT (stream_id) DO NOTHING
            RETURNING version - $3 AS base)
        {EventsInsert}
        """;

    private const string AppendExactly = $"""
        WITH s AS (
            UPDATE streams SET version = version + $3, updated_at = now()
            WHERE stream_id = $1 AND version = $7
            RETURNING version - $3 AS base)
        {EventsInsert}
        """;

    private const string AppendAny = $"""
        WITH s AS (
            INSERT INTO streams (stream_id, operation_type, version) VALUES ($1, $2, $3)
            ON CONFLICT (stream_id) DO UPDATE SET version = streams.version + EXCLUDED.version, updated_at = now()
            RETURNING version - $3 AS base)
        {EventsInsert}
        """;

    // The same for the common case of one event, without arrays (cheaper to bind and to plan).
    private const string EventInsert = """
        INSERT INTO events (stream_id, version, type, data, metadata)
        SELECT $1, s.base + 1, $4, $5::jsonb, $6::jsonb FROM s
        RETURNING position, version
        """;

    private static readonly string[] Statements =
    [
        AppendNoStream, AppendExactly, AppendAny,
        AppendNoStream.Replace(EventsInsert, EventInsert, StringComparison.Ordinal),
        AppendExactly.Replace(EventsInsert, EventInsert, StringComparison.Ordinal),
        AppendAny.Replace(EventsInsert, EventInsert, StringComparison.Ordinal),
    ];

    private const string StreamVersion = "SELECT version FROM streams WHERE stream_id = $1";

    /// <summary>Appends to one stream in a single round trip and a single implicit transaction.</summary>
    public async Task<AppendResult> AppendAsync(
        string streamId, string operationType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, CancellationToken ct = default)
    {
        var append = new StreamAppend(streamId, operationType, expected, events);
        await using var connection = await DataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await AppendCoreAsync(connection, null, [append], ct).ConfigureAwait(false))[0];
    }

    /// <summary>Appends to one stream inside the caller's transaction.</summary>
    public async Task<AppendResult> AppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction,
        string streamId, string operationType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var append = new StreamAppend(streamId, operationType, expected, events);
        return (await AppendCoreAsync(connection, transaction, [append], ct).ConfigureAwait(false))[0];
    }

    /// <summary>Appends to several streams atomically (one batch, one round trip, plus the commit).</summary>
    public async Task<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<StreamAppend> appends, CancellationToken ct = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        if (appends.Count == 1)
        {
            return await AppendCoreAsync(connection, null, appends, ct).ConfigureAwait(false);
        }
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var results = await AppendCoreAsync(connection, transaction, appends, ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return results;
    }

    /// <summary>Appends to several streams inside the caller's transaction, in one round trip.</summary>
    public Task<IReadOnlyList<AppendResult>> AppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamAppend> appends, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return AppendCoreAsync(connection, transaction, appends, ct);
    }

    /// <summary>
    /// Serializes writers of one operation for the rest of the caller's transaction (a transaction
    /// advisory lock on the stream id, so it also works before the stream exists) and returns the
    /// stream's header, or null when it does not exist yet.
    /// </summary>
    public async Task<StreamInfo?> LockStreamAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, CancellationToken ct = default)
    {
        // Two statements in one round trip: the read must take its snapshot after the lock is granted.
        const string Lock = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
        const string Read = "SELECT stream_id, operation_type, version, created_at, updated_at FROM streams WHERE stream_id = $1";
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Lock) { Parameters = { new NpgsqlParameter<string> { TypedValue = streamId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Read) { Parameters = { new NpgsqlParameter<string> { TypedValue = streamId } } });
        await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.NextResultAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadStreamInfo(reader) : null;
    }

    private async Task<IReadOnlyList<AppendResult>> AppendCoreAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<StreamAppend> appends, CancellationToken ct)
    {
        if (appends.Count == 0)
        {
            throw new ArgumentException("Nothing to append.", nameof(appends));
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var append in appends)
        {
            batch.BatchCommands.Add(AppendCommand(append));
        }

        var results = new AppendResult[appends.Count];
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            for (var i = 0; i < appends.Count; i++)
            {
                var rows = new List<(long Position, long Version)>(appends[i].Events.Count);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    rows.Add((reader.GetInt64(0), reader.GetInt64(1)));
                }
                results[i] = rows.Count == 0 ? null! : ResultOf(appends[i].StreamId, rows);
                await reader.NextResultAsync(ct).ConfigureAwait(false);
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "events_stream_id_version_key")
        {
            // Someone else holds the version: only when events were written around the streams row.
            var refused = appends.FirstOrDefault(a => e.Detail?.Contains(a.StreamId, StringComparison.Ordinal) == true) ?? appends[0];
            var actual = await ActualVersionAsync(null, null, refused.StreamId, ct).ConfigureAwait(false);
            throw new WrongExpectedVersionException(refused.StreamId, refused.Expected, actual, e);
        }

        var failed = Array.FindIndex(results, r => r is null);
        if (failed >= 0)
        {
            // A statement that matched no stream row changed nothing; the others are undone by the
            // rollback of the transaction (ours, or the caller's when it sees this exception).
            var refused = appends[failed];
            var actual = await ActualVersionAsync(connection, transaction, refused.StreamId, ct).ConfigureAwait(false);
            throw new WrongExpectedVersionException(refused.StreamId, refused.Expected, actual);
        }
        return results;
    }

    private static NpgsqlBatchCommand AppendCommand(StreamAppend append)
    {
        var events = append.Events;
        if (events.Count == 0)
        {
            throw new ArgumentException($"Nothing to append to stream '{append.StreamId}'.", nameof(append));
        }
        var kind = append.Expected switch
        {
            { IsAny: true } => 2,
            { IsNoStream: true } or { Value: 0 } => 0,
            _ => 1,
        };
        var command = new NpgsqlBatchCommand(Statements[events.Count == 1 ? kind + 3 : kind]);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = append.StreamId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = append.OperationType });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = events.Count });
        if (events.Count == 1)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = events[0].Type });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = events[0].Data });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)events[0].Metadata ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        }
        else
        {
            var types = new string[events.Count];
            var data = new string[events.Count];
            var metadata = new string?[events.Count];
            for (var i = 0; i < events.Count; i++)
            {
                (types[i], data[i], metadata[i]) = (events[i].Type, events[i].Data, events[i].Metadata);
            }
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = metadata, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        }
        if (kind == 1)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = append.Expected.Value });
        }
        return command;
    }

    private static AppendResult ResultOf(string streamId, List<(long Position, long Version)> rows)
    {
        rows.Sort((a, b) => a.Version.CompareTo(b.Version));
        var positions = rows.ConvertAll(r => r.Position);
        return new AppendResult(streamId, positions[0], positions[^1], rows[^1].Version, positions);
    }

    private async Task<long?> ActualVersionAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, string streamId, CancellationToken ct)
    {
        await using var owned = connection is null ? await DataSource.OpenConnectionAsync(ct).ConfigureAwait(false) : null;
        await using var command = new NpgsqlCommand(StreamVersion, connection ?? owned, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long version ? version : null;
    }
}
