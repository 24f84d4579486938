using Npgsql;
using NpgsqlTypes;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;
using Reconciler.Store;

namespace Reconciler.IntegrationTests.Store;

/// <summary>
/// A database written by the previous version (migrations up to 0005: the JSON snapshot in <c>operations</c>)
/// is upgraded: its operations are folded from their events, keep their receipts, and get binary snapshots on their next write.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SnapshotUpgradeTests(PostgresFixture postgres)
{
    // A snapshot exactly as the previous version stored it (OperationStateJson: the state as camelCase JSON, every signal seen listed).
    private const string PreviousSnapshot = """
        {"operationId":"old-op","operationType":"order","version":2,"policyVersion":1,"outcome":"pending","outcomeRuleIndex":null,"health":"consistent",
         "facets":{"payment":{"state":"s1","source":"psp","basis":"owner","since":"2026-11-21T10:00:01+00:00","claims":[{"source":"psp","state":"s1",
         "at":"2026-11-21T10:00:01+00:00","observedAt":"2026-11-21T10:00:01+00:00","sourceSequence":2,"signalId":"old-2","effectKey":null}],"countedState":"s1"}},
         "conflicts":{},"openConflictCount":0,"nextDeadline":null,"updatedAt":"2026-11-21T10:00:01+00:00",
         "seen":[{"source":"psp","signalId":"old-1","facet":"payment","state":"s0","effectKey":null,"sourceSequence":1,"contentHash":"h1"},
                 {"source":"psp","signalId":"old-2","facet":"payment","state":"s1","effectKey":null,"sourceSequence":2,"contentHash":"h2"}],
         "effectKeys":{},"divergences":{},"expectations":[]}
        """;

    [Fact]
    public async Task Given_an_operation_stored_with_the_previous_snapshot_format_when_upgraded_then_it_is_folded_and_written_on()
    {
        await using var db = await postgres.CreateDatabaseAsync(nameof(SnapshotUpgradeTests), migrate: false);
        var scripts = Migrator.EmbeddedScripts();
        var migrator = new Migrator(db.DataSource);
        await migrator.MigrateAsync(scripts.Where(s => string.CompareOrdinal(s.Name, "0006") < 0).ToList());
        var history = await StorePreviousVersionAsync(db.DataSource);

        var applied = await migrator.MigrateAsync();

        Assert.Contains(applied, name => name.StartsWith("0006", StringComparison.Ordinal));
        var path = new WritePath(db);
        var state = await path.Store.ReadStateAsync("old-op");
        Assert.Equal(StateDumpOf(OperationDecider.Fold(history)), StateDumpOf(state!));
        await path.SendAsync([WritePath.Signal("old-op", "old-3", 2, 3), WritePath.Signal("old-op", "old-1", 0, 1)]);
        var events = await path.Store.ReadStreamAsync("old-op");
        Assert.Equal(["SignalReceived", "SignalReceived", "SignalReceived", "SignalDuplicated"], events.Take(4).Select(e => e.Type));
        var snapshot = OperationSnapshot.Read(await path.ScalarAsync<byte[]>("SELECT snapshot FROM streams WHERE stream_id = 'old-op'"));
        Assert.Equal(events.Count, snapshot!.Version);
        Assert.Equal("s2", snapshot.FacetOrEmpty("payment").State);
    }

    private static string StateDumpOf(OperationState s) => Convert.ToHexString(OperationSnapshot.Write(s));

    /// <summary>Two signals of "old-op" as the previous version wrote them: stream, events, receipts, policy and the JSON snapshot row.</summary>
    private static async Task<List<OperationEvent>> StorePreviousVersionAsync(NpgsqlDataSource dataSource)
    {
        var at = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
        var state = OperationState.Initial;
        var history = new List<OperationEvent>();
        for (var n = 1; n <= 2; n++)
        {
            var (events, after) = OperationDecider.Handle(state, WritePath.Policy,
                new ReceiveSignal(WritePath.Signal("old-op", $"old-{n}", n - 1, n), "psp", at.AddSeconds(n - 1), 1, null));
            history.AddRange(events);
            state = after;
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        void Add(string sql, params object[] values)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var value in values)
            {
                command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
            }
            batch.BatchCommands.Add(command);
        }

        Add("INSERT INTO policies (operation_type, version, body) VALUES ('order', 1, $1)", new NpgsqlParameter { Value = PolicyWriter.Write(WritePath.Policy), NpgsqlDbType = NpgsqlDbType.Jsonb });
        Add("INSERT INTO streams (stream_id, operation_type, version) VALUES ('old-op', 'order', 2)");
        for (var v = 0; v < history.Count; v++)
        {
            Add("INSERT INTO events (stream_id, version, type, data, metadata) VALUES ('old-op', $1, $2, $3::jsonb, '{\"source\":\"psp\"}'::jsonb)",
                (long)(v + 1), EventCodec.TypeName(history[v]), EventCodec.Serialize(history[v]));
            var received = (SignalReceived)history[v];
            Add("INSERT INTO signal_receipts (source, signal_id, operation_id, position, content_hash) VALUES ('psp', $1, 'old-op', $2, $3)",
                received.SignalId, (long)(v + 1), received.ContentHash);
        }
        Add("""
            INSERT INTO operations (operation_id, operation_type, version, policy_version, outcome, health, snapshot)
            VALUES ('old-op', 'order', 2, 1, 'pending', 'consistent', $1)
            """, PreviousSnapshot);
        await batch.ExecuteNonQueryAsync();
        return history;
    }
}
