using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Reconciler.Core.Events;
using Reconciler.Core.Views;
using Reconciler.Store;
using Reconciler.Api;
using Reconciler.Views;

namespace Reconciler.Operations;

/// <summary>
/// The reads and writes of one write transaction over operations: lock them, load their snapshots,
/// then append the decided events and receipts and update the <c>operations</c> and <c>conflicts</c>
/// projections, all in the caller's transaction.
/// </summary>
public sealed class OperationRows(EventStore store)
{
    // Transaction advisory locks in one fixed order (by key), so two writers never deadlock; the key is
    // the one EventStore.LockStreamAsync uses, so every writer of a stream serializes on it.
    private const string LockSql = """
        SELECT pg_advisory_xact_lock(k)
        FROM (SELECT DISTINCT hashtextextended(id, 0) AS k FROM unnest($1::text[]) AS id ORDER BY 1) AS keys
        """;
    private const string SnapshotsSql = "SELECT operation_id, snapshot::text FROM operations WHERE operation_id = ANY($1)";
    private const string PolicyVersionsSql = "SELECT operation_type, max(version) FROM policies WHERE operation_type = ANY($1) GROUP BY operation_type";
    private const string ReceiptsSql = "SELECT signal_id, operation_id FROM signal_receipts WHERE source = $1 AND signal_id = ANY($2)";

    public async Task<LoadedOperations> LockAndLoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyCollection<string> operationIds, IReadOnlyCollection<string> operationTypes,
        string? receiptSource, IReadOnlyCollection<string> receiptSignalIds, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(LockSql, TextArray(operationIds)));
        batch.BatchCommands.Add(Command(SnapshotsSql, TextArray(operationIds)));
        batch.BatchCommands.Add(Command(PolicyVersionsSql, TextArray(operationTypes)));
        batch.BatchCommands.Add(Command(ReceiptsSql, new NpgsqlParameter<string> { TypedValue = receiptSource ?? "" }, TextArray(receiptSignalIds)));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        var operations = new Dictionary<string, LoadedOperation>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            operations[id] = new LoadedOperation(id, OperationStateJson.Deserialize(reader.GetString(1)));
        }
        await reader.NextResultAsync(ct);
        var policyVersions = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            policyVersions[reader.GetString(0)] = reader.GetInt32(1);
        }
        await reader.NextResultAsync(ct);
        var receipts = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            receipts[reader.GetString(0)] = reader.GetString(1);
        }
        return new LoadedOperations(operations, policyVersions, receipts);
    }

    /// <summary>
    /// Appends and projects every change in one round trip: events, receipts (positions found by joining
    /// the events just written), operations rows and changed conflict rows. Returns each change's event positions.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<long>>> SaveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<OperationChange> changes, CancellationToken ct)
    {
        var written = changes.Where(c => c.Events.Count > 0).ToList();
        var positions = new Dictionary<string, IReadOnlyList<long>>(StringComparer.Ordinal);
        if (written.Count == 0)
        {
            return positions;
        }
        var appends = written.Select(c => new StreamAppend(
            c.OperationId,
            c.OperationType,
            c.Before.Version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(c.Before.Version),
            c.Events.Select((e, i) => new EventToAppend(EventCodec.TypeName(e), EventCodec.Serialize(e), MetadataJson(c.Metadata[i], e))).ToList())).ToList();
        var followUps = new List<NpgsqlBatchCommand>();
        var receipts = written.SelectMany(c => c.Receipts.Select(r => (Change: c, Receipt: r))).ToList();
        if (receipts.Count > 0)
        {
            followUps.Add(ReceiptsCommand(receipts));
        }
        followUps.Add(OperationsCommand(written));
        var conflicts = written.SelectMany(ChangedConflicts).ToList();
        if (conflicts.Count > 0)
        {
            followUps.Add(ConflictsCommand(conflicts));
        }
        var results = await store.AppendWithAsync(connection, transaction, appends, followUps, ct);
        for (var i = 0; i < written.Count; i++)
        {
            positions[written[i].OperationId] = results[i].Positions;
        }
        return positions;
    }

    private const string ReceiptsInsert = """
        INSERT INTO signal_receipts (source, signal_id, operation_id, position, content_hash)
        SELECT r.source, r.signal_id, r.operation_id, e.position, r.content_hash
        FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS r(source, signal_id, operation_id, version, content_hash)
        JOIN events e ON e.stream_id = r.operation_id AND e.version = r.version
        ON CONFLICT (source, signal_id) DO NOTHING
        """;

    private static NpgsqlBatchCommand ReceiptsCommand(IReadOnlyList<(OperationChange Change, NewReceipt Receipt)> receipts) => Command(
        ReceiptsInsert,
        TextArray(receipts.Select(r => r.Receipt.Source)),
        TextArray(receipts.Select(r => r.Receipt.SignalId)),
        TextArray(receipts.Select(r => r.Change.OperationId)),
        new NpgsqlParameter<long[]> { TypedValue = receipts.Select(r => r.Change.Before.Version + r.Receipt.EventIndex + 1).ToArray() },
        TextArray(receipts.Select(r => r.Receipt.ContentHash)));

    private const string OperationsUpsert = """
        INSERT INTO operations (operation_id, operation_type, version, policy_version, outcome, health, next_deadline, snapshot, updated_at)
        SELECT o.id, o.type, o.version, o.policy_version, o.outcome, o.health, o.deadline, o.snapshot, now()
        FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
            AS o(id, type, version, policy_version, outcome, health, deadline, snapshot)
        ON CONFLICT (operation_id) DO UPDATE SET
            version = excluded.version, policy_version = excluded.policy_version, outcome = excluded.outcome,
            health = excluded.health, next_deadline = excluded.next_deadline, snapshot = excluded.snapshot,
            updated_at = excluded.updated_at
        """;

    private static NpgsqlBatchCommand OperationsCommand(IReadOnlyList<OperationChange> changes) => Command(
        OperationsUpsert,
        TextArray(changes.Select(c => c.OperationId).ToArray()),
        TextArray(changes.Select(c => c.OperationType).ToArray()),
        new NpgsqlParameter<long[]> { TypedValue = changes.Select(c => c.After.Version).ToArray() },
        new NpgsqlParameter<int[]> { TypedValue = changes.Select(c => c.After.PolicyVersion).ToArray() },
        TextArray(changes.Select(c => c.After.Outcome).ToArray()),
        TextArray(changes.Select(c => c.After.Health).ToArray()),
        TimeArray(changes.Select(c => c.After.NextDeadline)),
        TextArray(changes.Select(c => OperationStateJson.Serialize(c.After)).ToArray()));

    private const string ConflictsUpsert = """
        INSERT INTO conflicts (conflict_id, operation_id, operation_type, kind, severity, facet, sources, status, opened_at,
                               resolved_at, resolution, resolved_by, reason, occurrences, evidence_versions, record)
        SELECT c.id, c.operation_id, c.operation_type, c.kind, c.severity, c.facet,
               ARRAY(SELECT jsonb_array_elements_text(c.record::jsonb -> 'sources')), c.status, c.opened_at,
               c.resolved_at, c.resolution, c.resolved_by, c.reason, c.occurrences, c.evidence, c.record::jsonb
        FROM (
            SELECT id, operation_id, operation_type, kind, severity, facet, status, opened_at, resolved_at, resolution, resolved_by, reason, occurrences, record,
                   ARRAY(SELECT jsonb_array_elements_text(record::jsonb -> 'evidenceVersions'))::bigint[] AS evidence
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[],
                        $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::int[], $14::text[])
                AS u(id, operation_id, operation_type, kind, severity, facet, status, opened_at, resolved_at, resolution, resolved_by, reason, occurrences, record)
        ) AS c
        ON CONFLICT (conflict_id) DO UPDATE SET
            status = excluded.status, opened_at = excluded.opened_at, resolved_at = excluded.resolved_at,
            resolution = excluded.resolution, resolved_by = excluded.resolved_by, reason = excluded.reason,
            occurrences = excluded.occurrences, evidence_versions = excluded.evidence_versions, record = excluded.record, sources = excluded.sources
        """;

    private static IEnumerable<(OperationChange Change, ConflictRecord Conflict)> ChangedConflicts(OperationChange change) =>
        change.After.Conflicts.Values
            .Where(c => !change.Before.Conflicts.TryGetValue(c.ConflictId, out var before) || !ReferenceEquals(before, c))
            .Select(c => (change, c));

    private static NpgsqlBatchCommand ConflictsCommand(IReadOnlyList<(OperationChange Change, ConflictRecord Conflict)> rows) => Command(
        ConflictsUpsert,
        TextArray(rows.Select(r => r.Conflict.ConflictId).ToArray()),
        TextArray(rows.Select(r => r.Change.OperationId).ToArray()),
        TextArray(rows.Select(r => r.Change.OperationType).ToArray()),
        TextArray(rows.Select(r => r.Conflict.Kind).ToArray()),
        TextArray(rows.Select(r => r.Conflict.Severity).ToArray()),
        TextArray(rows.Select(r => r.Conflict.Facet).ToArray()),
        TextArray(rows.Select(r => r.Conflict.Status).ToArray()),
        TimeArray(rows.Select(r => (DateTimeOffset?)r.Conflict.OpenedAt)),
        TimeArray(rows.Select(r => r.Conflict.ResolvedAt)),
        TextArray(rows.Select(r => r.Conflict.Resolution).ToArray()),
        TextArray(rows.Select(r => r.Conflict.ResolvedBy).ToArray()),
        TextArray(rows.Select(r => r.Conflict.Reason).ToArray()),
        new NpgsqlParameter<int[]> { TypedValue = rows.Select(r => r.Conflict.Occurrences).ToArray() },
        TextArray(rows.Select(r => ConflictJson.Serialize(r.Conflict, r.Change.OperationId, r.Change.OperationType)).ToArray()));

    private static string MetadataJson(EventMetadata metadata, OperationEvent e) => JsonSerializer.Serialize(new
    {
        policyVersion = e.PolicyVersion,
        source = metadata.Source,
        signalId = metadata.SignalId,
        correlationId = metadata.CorrelationId,
        causationId = metadata.CausationId,
        @operator = metadata.Operator,
    }, ApiJson.Options);

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter TextArray(IEnumerable<string?> values) =>
        new NpgsqlParameter<string?[]> { TypedValue = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter TimeArray(IEnumerable<DateTimeOffset?> values) =>
        new NpgsqlParameter<DateTime?[]> { TypedValue = values.Select(v => v?.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };
}
