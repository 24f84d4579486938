using Npgsql;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.State;

namespace Reconciler.Store.Projections;

/// <summary>One stored event as the rebuild reads it: enough to decode it (its UTF-8 JSON) and to order conflicts.</summary>
public readonly record struct StoredEvent(long Version, string Type, byte[] Utf8Data, long Position, ulong TransactionId);

/// <summary>A stream's header and its events, in version order, read in one statement (one snapshot).</summary>
public sealed record StreamEvents(string StreamId, string OperationType, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, List<StoredEvent> Events);

/// <summary>
/// A stream folded into the rows of both projections and its writer's snapshot. <c>FirstPosition</c> and
/// <c>FirstTransaction</c> (of its first event) give the operation its place in the listing; each conflict
/// carries the position and transaction of the event that first opened it.
/// </summary>
public sealed record FoldedOperation(
    OperationRow Row,
    long Version,
    byte[] Snapshot,
    long FirstPosition,
    ulong FirstTransaction,
    DateTimeOffset CreatedAt,
    IReadOnlyList<FoldedConflict> Conflicts)
{
    public static FoldedOperation From(StreamEvents stream)
    {
        var state = OperationDecider.Fold(stream.Events.Select(e => EventCodec.Deserialize(e.Type, e.Utf8Data)));
        var events = stream.Events;
        var conflicts = new List<FoldedConflict>(state.Conflicts.Count);
        foreach (var conflict in state.Conflicts.Values)
        {
            // Versions of a stream run 1..n without gaps, so version v is events[v - 1].
            var opened = conflict.EvidenceVersions.IsEmpty ? 0 : conflict.EvidenceVersions[0];
            var openedBy = opened >= 1 && opened <= events.Count ? events[(int)opened - 1] : events[^1];
            conflicts.Add(new FoldedConflict(new ConflictRow(conflict, stream.StreamId, stream.OperationType), openedBy.Position, openedBy.TransactionId));
        }
        return new FoldedOperation(OperationRow.Of(stream.StreamId, stream.OperationType, state), state.Version, OperationSnapshot.Write(state),
            events.Count > 0 ? events[0].Position : 0, events.Count > 0 ? events[0].TransactionId : 0, stream.CreatedAt, conflicts);
    }
}

/// <summary>A folded conflict record with the position and transaction of the event that first opened it.</summary>
public sealed record FoldedConflict(ConflictRow Row, long OpenPosition, ulong OpenTransaction);

/// <summary>Reads streams with their events: a keyset page in stream-id order, or a given set of streams.</summary>
public static class StreamPages
{
    // One statement, hence one snapshot: the stream header and its events agree (events up to the header's version).
    private const string PageSql = """
        SELECT s.stream_id, s.operation_type, s.version, s.created_at, s.updated_at, e.version, e.type, e.data, e.position, e.transaction_id
        FROM (SELECT stream_id, operation_type, version, created_at, updated_at FROM streams
              WHERE stream_id > $1 AND operation_type <> '$system' ORDER BY stream_id LIMIT $2) AS s
        JOIN events e ON e.stream_id = s.stream_id AND e.version <= s.version
        ORDER BY s.stream_id, e.version
        """;

    private const string SetSql = """
        SELECT s.stream_id, s.operation_type, s.version, s.created_at, s.updated_at, e.version, e.type, e.data, e.position, e.transaction_id
        FROM streams s
        JOIN events e ON e.stream_id = s.stream_id AND e.version <= s.version
        WHERE s.stream_id = ANY($1) AND s.operation_type <> '$system'
        ORDER BY s.stream_id, e.version
        """;

    /// <summary>Up to <paramref name="limit"/> streams after <paramref name="afterStreamId"/> (empty string: from the start).</summary>
    public static async Task<List<StreamEvents>> ReadPageAsync(NpgsqlConnection connection, string afterStreamId, int limit, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(PageSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = afterStreamId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadAsync(command, ct);
    }

    /// <summary>The given streams, inside the caller's transaction.</summary>
    public static async Task<List<StreamEvents>> ReadStreamsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string> streamIds, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SetSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = streamIds.ToArray() });
        return await ReadAsync(command, ct);
    }

    private static async Task<List<StreamEvents>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var streams = new List<StreamEvents>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        StreamEvents? current = null;
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            if (current is null || !string.Equals(current.StreamId, id, StringComparison.Ordinal))
            {
                current = new StreamEvents(id, reader.GetString(1), reader.GetInt64(2),
                    reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4), new List<StoredEvent>((int)Math.Min(reader.GetInt64(2), 4096)));
                streams.Add(current);
            }
            current.Events.Add(new StoredEvent(reader.GetInt64(5), reader.GetString(6), reader.GetFieldValue<byte[]>(7), reader.GetInt64(8), reader.GetFieldValue<ulong>(9)));
        }
        return streams;
    }
}
