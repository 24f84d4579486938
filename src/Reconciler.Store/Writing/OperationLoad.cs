using Npgsql;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.State;
using Reconciler.Core.Storms;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Writing;

/// <summary>A stream's head as locked: its type, version and the writer's snapshot (null when it has none).</summary>
internal sealed record StreamHead(string OperationType, long Version, byte[]? Snapshot);

/// <summary>What a unit of work found after locking its operations.</summary>
internal sealed record Loaded(
    Dictionary<string, StreamHead> Heads, Dictionary<string, int> PolicyVersions, Dictionary<(string, string), Receipt> Receipts);

/// <summary>The first round trip of a unit of work: lock, then read what deciding needs, in one batch.</summary>
internal static class OperationLoad
{
    // Transaction advisory locks in one fixed order (by key), so two writers never deadlock. The reads come
    // after the lock in the same batch: each takes its snapshot once the lock is granted.
    private const string LockSql = """
        SELECT pg_advisory_xact_lock(k)
        FROM (SELECT DISTINCT hashtextextended(id, 0) AS k FROM unnest($1::text[]) AS id ORDER BY 1) AS keys
        """;
    private const string HeadsSql = "SELECT stream_id, operation_type, version, snapshot FROM streams WHERE stream_id = ANY($1)";
    private const string PolicyVersionsSql = "SELECT operation_type, max(version) FROM policies WHERE operation_type = ANY($1) GROUP BY operation_type";
    // With the first signal's event (found by its stream's index): a signal id comes back only for retries and reuses.
    // The keys may be of several sources (a unit of merged requests); each is one lookup of the primary key.
    private const string ReceiptsSql = """
        SELECT r.source, r.signal_id, r.operation_id, r.content_hash, e.type, e.data
        FROM unnest($1::text[], $2::text[]) AS k(source, signal_id)
        JOIN signal_receipts r ON r.source = k.source AND r.signal_id = k.signal_id
        LEFT JOIN events e ON e.stream_id = r.operation_id AND e.position = r.position
        """;

    public static async Task<Loaded> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WriteScope scope, CancellationToken ct)
    {
        var ids = scope.SystemStream ? [.. scope.OperationIds, SystemEventCodec.StreamId] : scope.OperationIds.ToArray();
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (scope.Fence is { } fence)
        {
            batch.BatchCommands.Add(fence.Command());
        }
        batch.BatchCommands.Add(Command(LockSql, Texts(ids)));
        batch.BatchCommands.Add(Command(HeadsSql, Texts(ids)));
        batch.BatchCommands.Add(Command(PolicyVersionsSql, Texts(scope.OperationTypes.ToArray())));
        var askReceipts = scope.Receipts is { Count: > 0 };
        if (askReceipts)
        {
            batch.BatchCommands.Add(Command(ReceiptsSql, Texts(scope.Receipts!.Select(k => k.Source).ToArray()), Texts(scope.Receipts!.Select(k => k.SignalId).ToArray())));
        }

        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (scope.Fence is not null)
        {
            await reader.NextResultAsync(ct);
        }
        await reader.NextResultAsync(ct);
        var heads = new Dictionary<string, StreamHead>(ids.Length, StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            heads[reader.GetString(0)] = new StreamHead(reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3));
        }
        await reader.NextResultAsync(ct);
        var policyVersions = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            policyVersions[reader.GetString(0)] = reader.GetInt32(1);
        }
        var receipts = new Dictionary<(string, string), Receipt>();
        if (askReceipts)
        {
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var first = !reader.IsDBNull(4) && reader.GetString(4) == "SignalReceived"
                    ? SignalReceipts.SignalOf((SignalReceived)EventCodec.Deserialize("SignalReceived", reader.GetFieldValue<byte[]>(5)))
                    : null;
                receipts[(reader.GetString(0), reader.GetString(1))] = new Receipt(reader.GetString(2), reader.GetString(3), first);
            }
        }
        return new Loaded(heads, policyVersions, receipts);
    }

    /// <summary>The states of streams without a readable snapshot, folded from their events.</summary>
    public static async Task<Dictionary<string, OperationState>> FoldAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        const string Sql = "SELECT stream_id, type, data FROM events WHERE stream_id = ANY($1) ORDER BY stream_id, version";
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.Add(Texts(ids));
        var states = new Dictionary<string, OperationState>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            var state = states.GetValueOrDefault(id) ?? OperationState.Initial;
            states[id] = OperationDecider.Evolve(state, EventCodec.Deserialize(reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
        }
        return states;
    }
}
