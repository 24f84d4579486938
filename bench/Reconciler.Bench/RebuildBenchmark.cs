using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Store;
using Reconciler.Store.Projections;

namespace Reconciler.Bench;

/// <summary>
/// `reconciler-bench rebuild`: `projections rebuild` over ~1,000,000 realistic events (~50,000 order operations
/// judged by the Core decider, loaded by binary COPY) in a temporary PostgreSQL; median of 3 runs.
/// `reconciler-bench replay`: read one 10,000-event operation and fold it; median of 10 runs.
/// </summary>
public static class RebuildBenchmark
{
    private const double RebuildTarget = 100_000;
    private const double ReplayTargetMs = 20;
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    internal static readonly TruthPolicy Policy = PolicyReader.Read("""
        {
          "operationType": "order", "graceSeconds": 300,
          "facets": {
            "payment":      { "owner": "payment-gateway", "states": ["authorized","captured","declined","refunded"],
                              "transitions": { "authorized": ["captured","declined"], "captured": ["refunded"] } },
            "inventory":    { "owner": "warehouse", "states": ["reserved","released","shipped"] },
            "ledger":       { "owner": "erp", "states": ["recorded","reversed"] },
            "journey":      { "owner": "crm", "states": ["browsing","abandoned-cart","purchased"] },
            "notification": { "owner": "email", "states": ["confirmation-sent"], "effect": "once" }
          },
          "expectations": [
            { "when": { "facet": "payment", "state": "captured" }, "expect": { "facet": "ledger", "state": "recorded" }, "within": "PT10M" }
          ],
          "outcomes": [
            { "outcome": "failed",    "when": { "payment": ["declined"] } },
            { "outcome": "succeeded", "when": { "payment": ["captured"], "inventory": ["reserved","shipped"], "ledger": ["recorded"] } }
          ]
        }
        """).Policy!;

    public static async Task<int> RunRebuildAsync(string? connectionString, int targetEvents, TextWriter output, CancellationToken ct)
    {
        return await WithDatabaseAsync(connectionString, "rebuild", output, async dataSource =>
        {
            var watch = Stopwatch.StartNew();
            var (operations, events) = await LoadOperationsAsync(dataSource, targetEvents, ct);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Generated and copied {events:N0} events of {operations:N0} operations in {watch.Elapsed.TotalSeconds:0.0} s."));
            var runs = new List<RebuildResult>();
            for (var i = 0; i < 3; i++)
            {
                runs.Add(await new ProjectionRebuilder(dataSource).RunAsync(verify: false, null, ct));
            }
            var check = await new ProjectionRebuilder(dataSource).RunAsync(verify: true, null, ct);
            var median = runs.OrderBy(r => r.EventsPerSecond).ElementAt(1);
            output.WriteLine();
            output.WriteLine("| run | streams | events | seconds | busy reading / folding / copying (s) | lock held (ms) | events/s |");
            output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            for (var i = 0; i < runs.Count; i++)
            {
                var r = runs[i];
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {i + 1} | {r.Streams:N0} | {r.Events:N0} | {r.Elapsed.TotalSeconds:0.00} | {r.Stages.Reading.TotalSeconds:0.0} / {r.Stages.Folding.TotalSeconds:0.0} / {r.Stages.Copying.TotalSeconds:0.0} | {r.Locked.TotalMilliseconds:N0} | {r.EventsPerSecond:N0} |"));
            }
            var met = median.EventsPerSecond >= RebuildTarget;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| **median of 3** | | | {median.Elapsed.TotalSeconds:0.00} | | | **{median.EventsPerSecond:N0}** (target ≥ {RebuildTarget:N0}: {(met ? "met" : "MISSED")}) |"));
            output.WriteLine($"verify after the runs: {check.Differences.Count} differences");
            return met && check.Differences.Count == 0 ? 0 : 1;
        }, ct);
    }

    public static async Task<int> RunReplayAsync(string? connectionString, TextWriter output, CancellationToken ct)
    {
        return await WithDatabaseAsync(connectionString, "replay", output, async dataSource =>
        {
            var (streamId, count) = await LoadHotOperationAsync(dataSource, 10_000, ct);
            var store = new EventStore(dataSource);
            for (var i = 0; i < 3; i++)
            {
                await ReplayAsync(store, streamId, ct);
            }
            var times = new List<double>();
            var reads = new List<double>();
            var folds = new List<double>();
            long version = 0;
            for (var i = 0; i < 10; i++)
            {
                var watch = Stopwatch.StartNew();
                var decoded = await store.ReadDecodedStreamAsync(streamId, ct: ct);
                var read = watch.Elapsed.TotalMilliseconds;
                version = OperationDecider.Fold(decoded).Version;
                times.Add(watch.Elapsed.TotalMilliseconds);
                reads.Add(read);
                folds.Add(times[^1] - read);
            }
            static double Median(List<double> values)
            {
                values.Sort();
                return (values[4] + values[5]) / 2;
            }
            var median = Median(times);
            var met = median < ReplayTargetMs;
            output.WriteLine();
            output.WriteLine("| measure | events | min (ms) | median of 10 (ms) | max (ms) | target |");
            output.WriteLine("| --- | ---: | ---: | ---: | ---: | --- |");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| read + fold one operation | {count:N0} | {times[0]:0.00} | **{median:0.00}** | {times[^1]:0.00} | < {ReplayTargetMs} ms: {(met ? "met" : "MISSED")} |"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| of which read and decode (EventStore.ReadDecodedStreamAsync) | | | {Median(reads):0.00} | | |"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| of which OperationDecider.Fold | | | {Median(folds):0.00} | | |"));
            return met && version == count ? 0 : 1;
        }, ct);
    }

    private static async Task<long> ReplayAsync(EventStore store, string streamId, CancellationToken ct)
    {
        return OperationDecider.Fold(await store.ReadDecodedStreamAsync(streamId, ct: ct)).Version;
    }

    internal static async Task<int> WithDatabaseAsync(string? connectionString, string name, TextWriter output, Func<NpgsqlDataSource, Task<int>> run, CancellationToken ct)
    {
        EmbeddedPostgres? server = null;
        if (connectionString is null)
        {
            output.WriteLine("Starting a temporary PostgreSQL…");
            server = await EmbeddedPostgres.StartAsync(EmbeddedPostgresOptions.Temporary($"reconciler-bench-{name}"), ct);
            connectionString = server.ConnectionString;
        }
        var database = $"reconciler_{name}_{Guid.NewGuid():N}"[..30];
        try
        {
            await ExecuteAsync(connectionString, $"CREATE DATABASE {database}", ct);
            await using var dataSource = StoreDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString);
            await new Migrator(dataSource).MigrateAsync(ct);
            return await run(dataSource);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(connectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", CancellationToken.None);
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Order operations of ~20 events each, judged in parallel chunks and copied chunk by chunk until the target is reached.</summary>
    private static async Task<(int Operations, long Events)> LoadOperationsAsync(NpgsqlDataSource dataSource, int targetEvents, CancellationToken ct)
    {
        const int Chunk = 2_000;
        long events = 0;
        var operations = 0;
        while (events < targetEvents)
        {
            var first = operations;
            var chunk = Enumerable.Range(first, Chunk).AsParallel().AsOrdered().Select(i => Judge($"order-{i:D7}", OrderSignals(i))).ToList();
            await CopyAsync(dataSource, chunk, ct);
            operations += Chunk;
            events += chunk.Sum(c => (long)c.Events.Count);
        }
        return (operations, events);
    }

    private static async Task<(string StreamId, long Events)> LoadHotOperationAsync(NpgsqlDataSource dataSource, int targetEvents, CancellationToken ct)
    {
        var signals = new List<(string Source, string Facet, string State, long Sequence)>();
        string[] cycle = ["reserved", "released", "shipped"];
        var judged = Judge("hot-order", signals);
        for (var n = 0; judged.Events.Count < targetEvents; n += 1_000)
        {
            for (var i = n; i < n + 1_000; i++)
            {
                // The warehouse moves its facet back and forth; the crm and the erp chime in.
                signals.Add(i % 4 == 3 ? ("crm", "journey", i % 8 == 3 ? "browsing" : "purchased", i) : ("warehouse", "inventory", cycle[i % 3], i));
            }
            judged = Judge("hot-order", signals);
        }
        var trimmed = judged with { Events = judged.Events.Take(targetEvents).ToList() };
        await CopyAsync(dataSource, [trimmed], ct);
        return ("hot-order", trimmed.Events.Count);
    }

    // A day in the life of an order: browsing, authorization, capture and a gateway retry of it,
    // inventory, ledger, journey, the email; every 10th a non-owner claim, every 7th a decline.
    private static List<(string Source, string Facet, string State, long Sequence)> OrderSignals(int i)
    {
        var signals = new List<(string, string, string, long)>
        {
            ("crm", "journey", "browsing", 1),
            ("payment-gateway", "payment", "authorized", 1),
            ("payment-gateway", "payment", i % 7 == 6 ? "declined" : "captured", 2),
            ("payment-gateway", "payment", i % 7 == 6 ? "declined" : "captured", 2),
            ("warehouse", "inventory", "reserved", 1),
            ("erp", "ledger", "recorded", 1),
            ("crm", "journey", "purchased", 2),
            ("email", "notification", "confirmation-sent", 1),
            ("warehouse", "inventory", "shipped", 2),
            ("crm", "payment", "captured", 3),
            ("erp", "inventory", "shipped", 3),
            ("warehouse", "ledger", "recorded", 3),
            ("email", "journey", "purchased", 3),
        };
        if (i % 10 == 9)
        {
            signals.Add(("erp", "payment", "refunded", 3));
        }
        return signals;
    }

    internal sealed record Judged(string OperationId, List<(string Type, string Data, string Metadata)> Events);

    internal static Judged Judge(string operationId, List<(string Source, string Facet, string State, long Sequence)> signals)
    {
        var state = Core.State.OperationState.Initial;
        var events = new List<(string, string, string)>(signals.Count * 2);
        for (var n = 0; n < signals.Count; n++)
        {
            var (source, facet, stateName, sequence) = signals[n];
            var at = Start.AddSeconds(n);
            var signal = new Signal(operationId, "order", $"{source}-{n}", facet, stateName, at, sequence,
                facet == "payment" ? "txn-" + operationId : null, """{"amount":"129.90","currency":"EUR"}""", "c-" + operationId, null);
            IReadOnlyList<OperationEvent> decided;
            (decided, state) = OperationDecider.Handle(state, Policy, new ReceiveSignal(signal, source, at, 1, null));
            var metadata = JsonSerializer.Serialize(new { policyVersion = 1, source, signalId = signal.SignalId });
            foreach (var e in decided)
            {
                events.Add((EventCodec.TypeName(e), EventCodec.Serialize(e), metadata));
            }
        }
        return new Judged(operationId, events);
    }

    internal static async Task CopyAsync(NpgsqlDataSource dataSource, IReadOnlyList<Judged> operations, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var streams = await connection.BeginBinaryImportAsync("COPY streams (stream_id, operation_type, version) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var o in operations)
            {
                await streams.WriteRowAsync(ct, o.OperationId, "order", (long)o.Events.Count);
            }
            await streams.CompleteAsync(ct);
        }
        await using (var events = await connection.BeginBinaryImportAsync("COPY events (stream_id, version, type, data, metadata) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var o in operations)
            {
                for (var v = 0; v < o.Events.Count; v++)
                {
                    var (type, data, metadata) = o.Events[v];
                    await events.StartRowAsync(ct);
                    await events.WriteAsync(o.OperationId, NpgsqlDbType.Text, ct);
                    await events.WriteAsync(v + 1L, NpgsqlDbType.Bigint, ct);
                    await events.WriteAsync(type, NpgsqlDbType.Text, ct);
                    await events.WriteAsync(data, NpgsqlDbType.Json, ct);
                    await events.WriteAsync(metadata, NpgsqlDbType.Json, ct);
                }
            }
            await events.CompleteAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }
}
