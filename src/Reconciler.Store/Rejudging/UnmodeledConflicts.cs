using Npgsql;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;

namespace Reconciler.Store.Rejudging;

/// <summary>An open unmodeled conflict a run of re-judging looks at, and its operation.</summary>
public sealed record UnmodeledConflict(string ConflictId, string OperationId);

/// <summary>
/// What a run of re-judging reads: the open unmodeled conflicts of a type, found through the <c>conflicts</c> projection (never by
/// scanning streams), and the signals each may hold, read from its operation's stream.
/// </summary>
public sealed class UnmodeledConflicts(NpgsqlDataSource dataSource)
{
    /// <summary>Up to <paramref name="size"/> open unmodeled conflicts of the run's type after its cursor, by id.</summary>
    public async Task<IReadOnlyList<UnmodeledConflict>> PageAsync(RejudgingRun run, int size, CancellationToken ct)
    {
        const string sql = """
            SELECT conflict_id, operation_id FROM conflicts
            WHERE operation_type = $1 AND kind = 'unmodeled' AND status = 'open' AND conflict_id > $2
            ORDER BY conflict_id LIMIT $3
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = run.OperationType });
        command.Parameters.Add(new() { Value = run.AfterConflict });
        command.Parameters.Add(new() { Value = size });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var page = new List<UnmodeledConflict>(size);
        while (await reader.ReadAsync(ct))
        {
            page.Add(new UnmodeledConflict(reader.GetString(0), reader.GetString(1)));
        }
        return page;
    }

    /// <summary>
    /// For each conflict, the signals received from its latest opening on (the signal that opened it comes right before the
    /// <c>ConflictOpened</c>), in stream order. A superset of what it holds: the core takes the versions its state says it holds.
    /// </summary>
    public async Task<Dictionary<string, List<StoredSignal>>> SignalsAsync(IReadOnlyCollection<string> conflictIds, CancellationToken ct)
    {
        const string sql = """
            SELECT c.conflict_id, e.version, e.data
            FROM conflicts c
            CROSS JOIN LATERAL (
                SELECT max(o.version) AS opened FROM events o
                WHERE o.stream_id = c.operation_id AND o.version = ANY (c.evidence_versions) AND o.type = 'ConflictOpened') AS o
            JOIN events e ON e.stream_id = c.operation_id AND e.version >= o.opened - 1 AND e.type = 'SignalReceived'
            WHERE c.conflict_id = ANY ($1)
            ORDER BY c.conflict_id, e.version
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. conflictIds] });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var signals = new Dictionary<string, List<StoredSignal>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            var received = (SignalReceived)EventCodec.Deserialize("SignalReceived", reader.GetFieldValue<byte[]>(2));
            if (received.Judgement != ConflictKinds.Unmodeled)
            {
                continue;
            }
            var id = reader.GetString(0);
            if (!signals.TryGetValue(id, out var list))
            {
                signals[id] = list = [];
            }
            list.Add(new StoredSignal(reader.GetInt64(1), received));
        }
        return signals;
    }
}
