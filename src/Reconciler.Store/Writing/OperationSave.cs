using Npgsql;
using NpgsqlTypes;
using Reconciler.Core.Events;
using Reconciler.Core.Views;
using Reconciler.Store.Projections;

namespace Reconciler.Store.Writing;

/// <summary>
/// The save of a unit of work. A small write is one batch: the events and their receipts (one statement, so
/// a receipt takes its event's position without a lookup), the stream heads with their snapshots, and the
/// rows of the projections that changed. A write of many events takes their positions first and copies them
/// in (binary COPY costs about a third less than INSERT … SELECT unnest at a thousand events), then sends
/// the same batch with the receipts' positions already known: two more round trips, worth it only then.
/// </summary>
internal static class OperationSave
{
    /// <summary>From this many events a write copies them in.</summary>
    public const int CopyFrom = 64;

    private const string EventsSql = """
        WITH e AS (
            INSERT INTO events (stream_id, version, type, data, metadata)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::json[], $5::json[])
            RETURNING stream_id, version, position
        ), r AS (
            INSERT INTO signal_receipts (source, signal_id, operation_id, position, content_hash)
            SELECT u.source, u.signal_id, u.operation_id, e.position, u.content_hash
            FROM unnest($6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[]) AS u(source, signal_id, operation_id, version, content_hash)
            JOIN e ON e.stream_id = u.operation_id AND e.version = u.version
        )
        SELECT stream_id, version, position FROM e
        """;

    private const string PositionsSql = "SELECT nextval(pg_get_serial_sequence('events', 'position')) FROM generate_series(1, $1)";

    private const string CopyEventsSql = "COPY events (position, stream_id, version, type, data, metadata) FROM STDIN (FORMAT BINARY)";

    private const string ReceiptsSql = """
        INSERT INTO signal_receipts (source, signal_id, operation_id, position, content_hash)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
        """;

    // Created or moved in one statement. ON CONFLICT finds each head by its primary key, whatever the planner
    // thinks of the table (an UPDATE … FROM unnest planned while the table was empty scanned it whole later).
    // The version needs no check here: the events' unique (stream_id, version) refuses a head that moved.
    private const string HeadsSql = """
        INSERT INTO streams (stream_id, operation_type, version, snapshot)
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[])
        ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, snapshot = excluded.snapshot, updated_at = now()
        """;

    /// <summary>The events of a unit in the order they are written, with what each column needs.</summary>
    private sealed class EventRows(int count)
    {
        public readonly string[] Streams = new string[count];
        public readonly long[] Versions = new long[count];
        public readonly string[] Types = new string[count];
        public readonly byte[][] Data = new byte[count][];
        public readonly byte[][] Metadata = new byte[count][];
        public readonly List<(string Source, string SignalId, string OperationId, long Version, string Hash, int Row)> Receipts = [];
    }

    public static async Task SaveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<StagedOperation> staged, CancellationToken ct)
    {
        var written = staged.Where(s => s.Events.Count > 0).ToList();
        var rows = new EventRows(written.Sum(s => s.Events.Count));
        var i = 0;
        foreach (var s in written)
        {
            for (var k = 0; k < s.Events.Count; k++, i++)
            {
                var (e, meta) = s.Events[k];
                (rows.Streams[i], rows.Versions[i], rows.Types[i], rows.Data[i], rows.Metadata[i]) =
                    (s.OperationId, s.Before.Version + k + 1, EventCodec.TypeName(e), EventCodec.SerializeToUtf8Bytes(e), meta.ToUtf8Json(e.PolicyVersion));
                if (e is SignalReceived r)
                {
                    rows.Receipts.Add((r.Source, r.SignalId, s.OperationId, rows.Versions[i], r.ContentHash, i));
                }
            }
        }

        try
        {
            var positions = rows.Streams.Length >= CopyFrom
                ? await CopyEventsAsync(connection, transaction, rows, written, ct)
                : await InsertEventsAsync(connection, transaction, rows, written, ct);
            i = 0;
            foreach (var s in written)
            {
                s.Positions = positions.AsSpan(i, s.Events.Count).ToArray();
                i += s.Events.Count;
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "events_stream_id_version_key")
        {
            // Another writer appended to a stream since it was loaded (it did not take the lock).
            var refused = written.FirstOrDefault(s => e.Detail?.Contains(s.OperationId, StringComparison.Ordinal) == true) ?? written[0];
            throw new WrongExpectedVersionException(refused.OperationId, refused.Before.Version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(refused.Before.Version), null, e);
        }
    }

    /// <summary>Small writes: events and receipts in one statement, in the same batch as the rest. Returns the positions in row order.</summary>
    private static async Task<long[]> InsertEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EventRows rows, List<StagedOperation> written, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var receipts = rows.Receipts;
        batch.BatchCommands.Add(Command(EventsSql,
            Array(rows.Streams, NpgsqlDbType.Text), Array(rows.Versions, NpgsqlDbType.Bigint), Array(rows.Types, NpgsqlDbType.Text),
            Array(rows.Data, NpgsqlDbType.Json), Array(rows.Metadata, NpgsqlDbType.Json),
            Array(receipts.Select(r => r.Source).ToArray(), NpgsqlDbType.Text), Array(receipts.Select(r => r.SignalId).ToArray(), NpgsqlDbType.Text),
            Array(receipts.Select(r => r.OperationId).ToArray(), NpgsqlDbType.Text), Array(receipts.Select(r => r.Version).ToArray(), NpgsqlDbType.Bigint),
            Array(receipts.Select(r => r.Hash).ToArray(), NpgsqlDbType.Text)));
        AddHeadsAndProjections(batch, written);

        var byVersion = new Dictionary<(string, long), long>(rows.Streams.Length);
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                byVersion[(reader.GetString(0), reader.GetInt64(1))] = reader.GetInt64(2);
            }
        }
        var positions = new long[rows.Streams.Length];
        for (var i = 0; i < positions.Length; i++)
        {
            positions[i] = byVersion[(rows.Streams[i], rows.Versions[i])];
        }
        return positions;
    }

    /// <summary>Many events: positions from the sequence, a binary COPY, then receipts, heads and projections in one batch.</summary>
    private static async Task<long[]> CopyEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EventRows rows, List<StagedOperation> written, CancellationToken ct)
    {
        var positions = new long[rows.Streams.Length];
        await using (var take = new NpgsqlCommand(PositionsSql, connection, transaction))
        {
            take.Parameters.Add(new NpgsqlParameter<int> { TypedValue = positions.Length });
            await using var reader = await take.ExecuteReaderAsync(ct);
            for (var i = 0; await reader.ReadAsync(ct); i++)
            {
                positions[i] = reader.GetInt64(0);
            }
        }
        // Rows in position order, as an INSERT of them would have numbered them.
        System.Array.Sort(positions);
        await using (var copy = await connection.BeginBinaryImportAsync(CopyEventsSql, ct))
        {
            for (var i = 0; i < positions.Length; i++)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(positions[i], NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(rows.Streams[i], NpgsqlDbType.Text, ct);
                await copy.WriteAsync(rows.Versions[i], NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(rows.Types[i], NpgsqlDbType.Text, ct);
                await copy.WriteAsync(rows.Data[i], NpgsqlDbType.Json, ct);
                await copy.WriteAsync(rows.Metadata[i], NpgsqlDbType.Json, ct);
            }
            await copy.CompleteAsync(ct);
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        var receipts = rows.Receipts;
        if (receipts.Count > 0)
        {
            batch.BatchCommands.Add(Command(ReceiptsSql,
                Array(receipts.Select(r => r.Source).ToArray(), NpgsqlDbType.Text), Array(receipts.Select(r => r.SignalId).ToArray(), NpgsqlDbType.Text),
                Array(receipts.Select(r => r.OperationId).ToArray(), NpgsqlDbType.Text), Array(receipts.Select(r => positions[r.Row]).ToArray(), NpgsqlDbType.Bigint),
                Array(receipts.Select(r => r.Hash).ToArray(), NpgsqlDbType.Text)));
        }
        AddHeadsAndProjections(batch, written);
        await batch.ExecuteNonQueryAsync(ct);
        return positions;
    }

    private static void AddHeadsAndProjections(NpgsqlBatch batch, List<StagedOperation> written)
    {
        batch.BatchCommands.Add(Command(HeadsSql, Array(written.Select(s => s.OperationId).ToArray(), NpgsqlDbType.Text),
            Array(written.Select(s => s.OperationType).ToArray(), NpgsqlDbType.Text), Array(written.Select(s => s.After.Version).ToArray(), NpgsqlDbType.Bigint),
            Array(written.Select(s => OperationSnapshot.Write(s.After)).ToArray(), NpgsqlDbType.Bytea)));
        var operations = written.Where(s => OperationRow.Changes(s.Before, s.After)).Select(s => OperationRow.Of(s.OperationId, s.OperationType, s.After)).ToList();
        if (operations.Count > 0)
        {
            batch.BatchCommands.Add(OperationsProjection.Table.Upsert(operations));
        }
        var conflicts = new List<ConflictRow>();
        foreach (var s in written)
        {
            ConflictRow.AddChanged(conflicts, s.OperationId, s.OperationType, s.Before, s.After);
        }
        if (conflicts.Count > 0)
        {
            batch.BatchCommands.Add(ConflictsProjection.Table.Upsert(conflicts));
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter Array<T>(T[] values, NpgsqlDbType element) =>
        new NpgsqlParameter<T[]> { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | element };
}
