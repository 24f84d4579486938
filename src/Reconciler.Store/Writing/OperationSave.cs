using System.Text;
using Npgsql;
using NpgsqlTypes;
using Reconciler.Core.Events;
using Reconciler.Core.State;
using Reconciler.Core.Storms;
using Reconciler.Store.Projections;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Writing;

/// <summary>
/// The second round trip of a unit of work, one batch: the events and their receipts (one statement, so a
/// receipt takes its event's position without a lookup), the stream heads with their snapshots, and the
/// rows of the projections that changed. System events (storms) are appended by the same statement, to
/// <c>$system</c>, with no metadata, snapshot or projection rows.
/// </summary>
internal static class OperationSave
{
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

    // Created or moved in one statement. ON CONFLICT finds each head by its primary key, whatever the planner
    // thinks of the table (an UPDATE … FROM unnest planned while the table was empty scanned it whole later).
    // The version needs no check here: the events' unique (stream_id, version) refuses a head that moved.
    private const string HeadsSql = """
        INSERT INTO streams (stream_id, operation_type, version, snapshot)
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[])
        ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, snapshot = excluded.snapshot, updated_at = now()
        """;

    public static async Task SaveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<StagedOperation> staged,
        (long Before, IReadOnlyList<SystemEvent> Events) system, CancellationToken ct)
    {
        var written = staged.Where(s => s.Events.Count > 0).ToList();
        var eventCount = written.Sum(s => s.Events.Count) + system.Events.Count;
        var (ids, versions, types, data, metadata) = (new string[eventCount], new long[eventCount], new string[eventCount], new byte[eventCount][], new byte[]?[eventCount]);
        var receipts = new List<(string Source, string SignalId, string OperationId, long Version, string Hash)>();
        var i = 0;
        foreach (var s in written)
        {
            for (var k = 0; k < s.Events.Count; k++, i++)
            {
                var (e, meta) = s.Events[k];
                (ids[i], versions[i], types[i], data[i], metadata[i]) = (s.OperationId, s.Before.Version + k + 1, EventCodec.TypeName(e), EventCodec.SerializeToUtf8Bytes(e), meta.ToUtf8Json(e.PolicyVersion));
                if (e is SignalReceived r)
                {
                    receipts.Add((r.Source, r.SignalId, s.OperationId, versions[i], r.ContentHash));
                }
            }
        }
        for (var k = 0; k < system.Events.Count; k++, i++)
        {
            var e = system.Events[k];
            (ids[i], versions[i], types[i], data[i], metadata[i]) = (SystemEventCodec.StreamId, system.Before + k + 1, SystemEventCodec.TypeName(e), Encoding.UTF8.GetBytes(SystemEventCodec.Serialize(e)), null);
        }
        var heads = written.Select(s => (Id: s.OperationId, Type: s.OperationType, Version: s.After.Version, Snapshot: (byte[]?)OperationSnapshot.Write(s.After))).ToList();
        if (system.Events.Count > 0)
        {
            heads.Add((SystemEventCodec.StreamId, SystemEventCodec.StreamId, system.Before + system.Events.Count, null));
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(EventsSql,
            Array(ids, NpgsqlDbType.Text), Array(versions, NpgsqlDbType.Bigint), Array(types, NpgsqlDbType.Text),
            Array(data, NpgsqlDbType.Json), Array(metadata, NpgsqlDbType.Json),
            Array(receipts.Select(r => r.Source).ToArray(), NpgsqlDbType.Text), Array(receipts.Select(r => r.SignalId).ToArray(), NpgsqlDbType.Text),
            Array(receipts.Select(r => r.OperationId).ToArray(), NpgsqlDbType.Text), Array(receipts.Select(r => r.Version).ToArray(), NpgsqlDbType.Bigint),
            Array(receipts.Select(r => r.Hash).ToArray(), NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(HeadsSql, Array(heads.Select(h => h.Id).ToArray(), NpgsqlDbType.Text),
            Array(heads.Select(h => h.Type).ToArray(), NpgsqlDbType.Text), Array(heads.Select(h => h.Version).ToArray(), NpgsqlDbType.Bigint),
            Array(heads.Select(h => h.Snapshot).ToArray(), NpgsqlDbType.Bytea)));
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

        var positions = new Dictionary<(string, long), long>(eventCount);
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                positions[(reader.GetString(0), reader.GetInt64(1))] = reader.GetInt64(2);
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "events_stream_id_version_key")
        {
            // Another writer appended to a stream since it was loaded (it did not take the lock).
            var loaded = written.Select(s => (Id: s.OperationId, Before: s.Before.Version)).Append((Id: SystemEventCodec.StreamId, Before: system.Before)).ToList();
            var refused = loaded.FirstOrDefault(s => e.Detail?.Contains(s.Id, StringComparison.Ordinal) == true) is { Id: not null } named ? named : loaded[0];
            // The failed statement aborted the transaction: roll it back to ask for the version the other writer left.
            await transaction.RollbackAsync(CancellationToken.None);
            throw new WrongExpectedVersionException(refused.Id, Expected(refused.Before), await VersionAsync(connection, refused.Id, ct), e);
        }
        foreach (var s in written)
        {
            s.Positions = Enumerable.Range(1, s.Events.Count).Select(k => positions[(s.OperationId, s.Before.Version + k)]).ToArray();
        }
    }

    // The stream's version now, or null when it does not exist.
    private static async Task<long?> VersionAsync(NpgsqlConnection connection, string streamId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT version FROM streams WHERE stream_id = $1", connection);
        command.Parameters.Add(Text(streamId));
        return await command.ExecuteScalarAsync(ct) is long version ? version : null;
    }

    private static ExpectedVersion Expected(long before) => before == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(before);
}
