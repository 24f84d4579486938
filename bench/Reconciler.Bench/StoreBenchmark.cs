using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;
using Reconciler.Store;
using Reconciler.Store.Feed;
using Reconciler.Store.Policies;
using Reconciler.Store.Writing;

namespace Reconciler.Bench;

/// <summary>
/// `reconciler-bench store`: throughput of the write path itself (<see cref="OperationWriter"/>: lock, load,
/// decide with the core, append events with receipts, move stream heads and snapshots, project, commit), without
/// HTTP, beside raw PostgreSQL baselines writing the same event rows. The baseline table is
/// <c>CREATE TABLE … (LIKE events INCLUDING ALL)</c>: the same columns, defaults, primary key and indexes.
/// Medians of <see cref="Repetitions"/> runs, interleaved.
/// </summary>
public static class StoreBenchmark
{
    private const int Repetitions = 3;
    private const int BatchTransactions = 100, StreamsPerBatch = 10, EventsPerStream = 100; // (a) 100 × 1,000 events
    private const int Writers = 4, AppendsPerWriter = 2_500;                                 // (b) 4 × 2,500 events
    private const string Type = "bench";

    private static readonly TruthPolicy Policy = new(Type, 300,
        ImmutableDictionary<string, FacetPolicy>.Empty.Add("payment", new FacetPolicy("psp", ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"],
            ImmutableDictionary<string, ImmutableList<string>>.Empty, null, FacetEffect.None)),
        [], []);

    // What one signal's event looks like in the events table, for the baselines.
    private static readonly (string Data, string Metadata) Row = SampleRow();

    public static async Task<int> RunAsync(string? connectionString, TextWriter output, CancellationToken ct)
    {
        EmbeddedPostgres? server = null;
        if (connectionString is null)
        {
            // The product's settings (fsync and synchronous_commit on), in a throw-away folder.
            output.WriteLine("Starting a temporary PostgreSQL with the product's durable settings…");
            server = await EmbeddedPostgres.StartAsync(EmbeddedPostgresOptions.Temporary("reconciler-bench") with { Durable = true }, ct);
            connectionString = server.ConnectionString;
        }
        var database = $"reconciler_bench_{Guid.NewGuid():N}"[..29];
        try
        {
            await ExecuteAsync(connectionString, $"CREATE DATABASE {database}", ct);
            var benchConnection = new NpgsqlConnectionStringBuilder(connectionString) { Database = database, MaxPoolSize = 20 }.ConnectionString;
            await using var dataSource = StoreDataSource.Create(benchConnection);
            await new Migrator(dataSource).MigrateAsync(ct);
            await using (var setup = dataSource.CreateCommand("CREATE TABLE baseline_events (LIKE events INCLUDING ALL)"))
            {
                await setup.ExecuteNonQueryAsync(ct);
            }
            var policies = new PolicyStore(dataSource);
            await policies.PutAsync(Policy, "bench", ct);
            var writer = new OperationWriter(dataSource, policies, new FeedNotifier(dataSource, NullLogger<FeedNotifier>.Instance), TimeProvider.System);
            await PrintServerAsync(dataSource, output, ct);

            // Warm up every path (plans, pool, JIT) before measuring.
            await Measure(dataSource, () => WriteBatchesAsync(writer, 5, ct), ct);
            await Measure(dataSource, () => CopyBatchesAsync(dataSource, 5, ct), ct);
            await Measure(dataSource, () => WriteSinglesAsync(writer, 50, ct), ct);
            await Measure(dataSource, () => InsertSinglesAsync(dataSource, 50, ct), ct);

            var rows = new List<(string Case, double Store, string Baseline, double BaselineRate, double? Target)>();
            var batchEvents = BatchTransactions * StreamsPerBatch * EventsPerStream;
            var singleEvents = Writers * AppendsPerWriter;
            var (a, copy) = await PairAsync(dataSource, () => WriteBatchesAsync(writer, BatchTransactions, ct), () => CopyBatchesAsync(dataSource, BatchTransactions, ct), ct);
            rows.Add(($"(a) {BatchTransactions} units × 1,000 signals ({StreamsPerBatch} operations × {EventsPerStream})", batchEvents / a, "binary COPY, 1,000 rows/tx", batchEvents / copy, 0.6));
            var (b, insert) = await PairAsync(dataSource, () => WriteSinglesAsync(writer, AppendsPerWriter, ct), () => InsertSinglesAsync(dataSource, AppendsPerWriter, ct), ct);
            rows.Add(($"(b) 1 signal per unit, {Writers} writers × {AppendsPerWriter:N0}", singleEvents / b, "single-row INSERT tx, same concurrency", singleEvents / insert, 0.8));

            output.WriteLine();
            output.WriteLine($"| case | write path events/s | baseline | baseline events/s | ratio | target |");
            output.WriteLine($"| --- | ---: | --- | ---: | ---: | --- |");
            var met = true;
            foreach (var row in rows)
            {
                var ratio = row.Store / row.BaselineRate;
                var verdict = row.Target is { } t ? $"≥ {t:0.0}× {(ratio >= t ? "met" : "MISSED")}" : "(information)";
                met &= row.Target is not { } target || ratio >= target;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {row.Case} | {row.Store:N0} | {row.Baseline} | {row.BaselineRate:N0} | {ratio:0.00}× | {verdict} |"));
            }
            output.WriteLine($"Medians of {Repetitions} interleaved runs; tables truncated before each run.");
            return met ? 0 : 1;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(connectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", CancellationToken.None);
            if (server is not null)
            {
                await server.StopAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>One unit of work: each signal judged by the core on its operation and staged.</summary>
    private static Task WriteAsync(OperationWriter writer, IReadOnlyList<Signal> signals, CancellationToken ct) =>
        writer.WriteAsync(WriteScope.ForSignals("psp", signals.Select(s => (s.OperationId, Type, s.SignalId))), batch =>
        {
            foreach (var signal in signals)
            {
                var (events, after) = OperationDecider.Handle(batch.StateOf(signal.OperationId), Policy,
                    new ReceiveSignal(signal, "psp", batch.Now, 1, batch.ReceiptOf("psp", signal.SignalId)?.ContentHash));
                batch.Append(signal.OperationId, Type, events, after, new EventMetadata("psp", signal.SignalId, null, null, null));
            }
            return signals.Count;
        }, ct);

    private static Signal Signal(string operationId, int n) =>
        new(operationId, Type, $"{operationId}-{n}", "payment", $"s{n % 8}", null, n, null, """{"amount":"129.90","currency":"EUR"}""", null, null);

    // (a) the write path: 1,000 signals of 10 new operations per unit.
    private static async Task WriteBatchesAsync(OperationWriter writer, int transactions, CancellationToken ct)
    {
        for (var t = 0; t < transactions; t++)
        {
            var signals = Enumerable.Range(0, StreamsPerBatch).SelectMany(s => Enumerable.Range(0, EventsPerStream).Select(n => Signal($"op-{t}-{s}", n))).ToList();
            await WriteAsync(writer, signals, ct);
        }
    }

    // (a) baseline: binary COPY of as many event rows into the bare table.
    private static async Task CopyBatchesAsync(NpgsqlDataSource dataSource, int transactions, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        for (var t = 0; t < transactions; t++)
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var copy = await connection.BeginBinaryImportAsync("COPY baseline_events (stream_id, version, type, data, metadata) FROM STDIN (FORMAT BINARY)", ct))
            {
                for (var s = 0; s < StreamsPerBatch; s++)
                {
                    var stream = $"op-{t}-{s}";
                    for (var v = 1; v <= EventsPerStream; v++)
                    {
                        await copy.StartRowAsync(ct);
                        await copy.WriteAsync(stream, NpgsqlDbType.Text, ct);
                        await copy.WriteAsync((long)v, NpgsqlDbType.Bigint, ct);
                        await copy.WriteAsync("SignalReceived", NpgsqlDbType.Text, ct);
                        await copy.WriteAsync(Row.Data, NpgsqlDbType.Json, ct);
                        await copy.WriteAsync(Row.Metadata, NpgsqlDbType.Json, ct);
                    }
                }
                await copy.CompleteAsync(ct);
            }
            await transaction.CommitAsync(ct);
        }
    }

    // (b) the write path: one signal per unit of work (its own transaction), each writer on its own operation.
    private static Task WriteSinglesAsync(OperationWriter writer, int appends, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < appends; i++)
            {
                await WriteAsync(writer, [Signal($"writer-{w}", i)], ct);
            }
        }, ct)));

    // (b) baseline: autocommit single-row INSERTs of the same rows, same concurrency.
    private static Task InsertSinglesAsync(NpgsqlDataSource dataSource, int appends, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            const string Sql = "INSERT INTO baseline_events (stream_id, version, type, data, metadata) VALUES ($1, $2, $3, $4::json, $5::json)";
            for (var i = 1; i <= appends; i++)
            {
                await using var command = dataSource.CreateCommand(Sql);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"writer-{w}" });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = i });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "SignalReceived" });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Row.Data });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Row.Metadata });
                await command.ExecuteNonQueryAsync(ct);
            }
        }, ct)));

    private static (string Data, string Metadata) SampleRow()
    {
        var signal = Signal("op-0-0", 0);
        var e = OperationDecider.Decide(OperationState.Initial, Policy, new ReceiveSignal(signal, "psp", DateTimeOffset.UtcNow, 1, null))[0];
        return (EventCodec.Serialize(e), new EventMetadata("psp", signal.SignalId, null, null, null).ToJson(1));
    }

    private static async Task<(double Store, double Baseline)> PairAsync(NpgsqlDataSource dataSource, Func<Task> store, Func<Task> baseline, CancellationToken ct)
    {
        var (s, b) = (new List<double>(), new List<double>());
        for (var i = 0; i < Repetitions; i++)
        {
            s.Add(await Measure(dataSource, store, ct));
            b.Add(await Measure(dataSource, baseline, ct));
        }
        return (Median(s), Median(b));
    }

    private static async Task<double> Measure(NpgsqlDataSource dataSource, Func<Task> run, CancellationToken ct)
    {
        await using (var reset = dataSource.CreateCommand("TRUNCATE events, streams, signal_receipts, operations, conflicts, baseline_events RESTART IDENTITY; CHECKPOINT"))
        {
            await reset.ExecuteNonQueryAsync(ct);
        }
        var clock = Stopwatch.StartNew();
        await run();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static async Task PrintServerAsync(NpgsqlDataSource dataSource, TextWriter output, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT version(), current_setting('fsync'), current_setting('synchronous_commit'), current_setting('shared_buffers')");
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        output.WriteLine($"{reader.GetString(0)}; fsync={reader.GetString(1)}, synchronous_commit={reader.GetString(2)}, shared_buffers={reader.GetString(3)}; {Environment.ProcessorCount} cores");
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
