using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Reconciler.Store;

namespace Reconciler.Benchmarks;

/// <summary>
/// `reconciler bench store`: append throughput of the event store beside the raw PostgreSQL
/// baselines for the same rows. The baseline table is <c>CREATE TABLE … (LIKE events INCLUDING ALL)</c>:
/// the same columns, defaults (identity, xid8, now()), primary key, unique (stream, version) and
/// (transaction_id, position) index, so the ratio is the cost of the store itself (streams row,
/// version check, returned positions). Medians of <see cref="Repetitions"/> runs, interleaved.
/// </summary>
public static class StoreBenchmark
{
    private const int Repetitions = 3;
    private const int BatchTransactions = 100, StreamsPerBatch = 10, EventsPerStream = 100; // (a) 100 × 1,000 events
    private const int Writers = 4, AppendsPerWriter = 2_500;                                 // (b) 4 × 2,500 events
    private const string Payload = """{"kind":"payment.captured","amount":{"value":"129.90","currency":"EUR"},"reference":"PSP-000000000000","at":"2026-11-21T12:00:00Z","source":"psp"}""";
    private const string Meta = """{"source":"psp","signalId":"sig-000000"}""";

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
            await using (var like = dataSource.CreateCommand("CREATE TABLE baseline_events (LIKE events INCLUDING ALL)"))
            {
                await like.ExecuteNonQueryAsync(ct);
            }
            var store = new EventStore(dataSource);
            // The same without waiting for the WAL flush at commit: what is left is CPU per event.
            await using var asyncCommit = StoreDataSource.Create(new NpgsqlConnectionStringBuilder(benchConnection) { Options = "-c synchronous_commit=off" }.ConnectionString);
            var asyncStore = new EventStore(asyncCommit);
            await PrintServerAsync(dataSource, output, ct);

            // Warm up every path (plans, pool, JIT) before measuring.
            await Measure(dataSource, () => StoreBatchesAsync(store, 5, ct), ct);
            await Measure(dataSource, () => CopyBatchesAsync(dataSource, 5, ct), ct);
            await Measure(dataSource, () => StoreSinglesAsync(store, 50, ct), ct);
            await Measure(dataSource, () => InsertSinglesAsync(dataSource, 50, ct), ct);
            await Measure(dataSource, () => StoreSinglesInTransactionAsync(store, 50, ct), ct);

            var rows = new List<(string Case, double Store, string Baseline, double BaselineRate, double? Target)>();
            var batchEvents = BatchTransactions * StreamsPerBatch * EventsPerStream;
            var singleEvents = Writers * AppendsPerWriter;
            var (a, copy) = await PairAsync(dataSource, () => StoreBatchesAsync(store, BatchTransactions, ct), () => CopyBatchesAsync(dataSource, BatchTransactions, ct), ct);
            rows.Add(($"(a) {BatchTransactions} tx × 1,000 events ({StreamsPerBatch} streams × {EventsPerStream})", batchEvents / a, "binary COPY, 1,000 rows/tx", batchEvents / copy, 0.6));
            var (b, insert) = await PairAsync(dataSource, () => StoreSinglesAsync(store, AppendsPerWriter, ct), () => InsertSinglesAsync(dataSource, AppendsPerWriter, ct), ct);
            rows.Add(($"(b) 1 event/tx, {Writers} writers × {AppendsPerWriter:N0}", singleEvents / b, "single-row INSERT tx, same concurrency", singleEvents / insert, 0.8));
            var (c, _) = await PairAsync(dataSource, () => StoreSinglesInTransactionAsync(store, AppendsPerWriter, ct), () => Task.CompletedTask, ct);
            rows.Add(($"(c) as (b) in a caller transaction (lock, append, commit)", singleEvents / c, "single-row INSERT tx, same concurrency", singleEvents / insert, null));
            var (d, insertAsync) = await PairAsync(dataSource, () => StoreSinglesAsync(asyncStore, AppendsPerWriter, ct), () => InsertSinglesAsync(asyncCommit, AppendsPerWriter, ct), ct);
            rows.Add(($"(d) as (b) with synchronous_commit=off (CPU-bound)", singleEvents / d, "single-row INSERT tx, synchronous_commit=off", singleEvents / insertAsync, null));

            output.WriteLine();
            output.WriteLine($"| case | store events/s | baseline | baseline events/s | ratio | target |");
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

    // (a) the store: one multi-stream append per transaction.
    private static async Task StoreBatchesAsync(EventStore store, int transactions, CancellationToken ct)
    {
        var events = Enumerable.Range(0, EventsPerStream).Select(_ => new EventToAppend("PaymentCaptured", Payload, Meta)).ToArray();
        for (var t = 0; t < transactions; t++)
        {
            var appends = Enumerable.Range(0, StreamsPerBatch)
                .Select(s => new StreamAppend($"op-{t}-{s}", "order", ExpectedVersion.NoStream, events))
                .ToArray();
            await store.AppendAsync(appends, ct);
        }
    }

    // (a) baseline: binary COPY of the same rows into the bare table.
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
                        await copy.WriteAsync("PaymentCaptured", NpgsqlDbType.Text, ct);
                        await copy.WriteAsync(Payload, NpgsqlDbType.Jsonb, ct);
                        await copy.WriteAsync(Meta, NpgsqlDbType.Jsonb, ct);
                    }
                }
                await copy.CompleteAsync(ct);
            }
            await transaction.CommitAsync(ct);
        }
    }

    // (b) the store: one event per append (one round trip, its own transaction), each writer on its own stream.
    private static Task StoreSinglesAsync(EventStore store, int appends, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var e = new EventToAppend("PaymentCaptured", Payload, Meta);
            var version = 0L;
            for (var i = 0; i < appends; i++)
            {
                version = (await store.AppendAsync($"writer-{w}", "order", ExpectedVersion.Exactly(version), [e], ct)).NextVersion;
            }
        }, ct)));

    // (c) what the server does: its own transaction, the operation lock, the append, the commit.
    private static Task StoreSinglesInTransactionAsync(EventStore store, int appends, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var e = new EventToAppend("PaymentCaptured", Payload, Meta);
            var stream = $"writer-tx-{w}";
            for (var i = 0; i < appends; i++)
            {
                await using var connection = await store.DataSource.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var info = await store.LockStreamAsync(connection, transaction, stream, ct);
                await store.AppendAsync(connection, transaction, stream, "order", ExpectedVersion.Exactly(info?.Version ?? 0), [e], ct);
                await transaction.CommitAsync(ct);
            }
        }, ct)));

    // (b) baseline: autocommit single-row INSERTs of the same rows, same concurrency.
    private static Task InsertSinglesAsync(NpgsqlDataSource dataSource, int appends, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            const string Sql = "INSERT INTO baseline_events (stream_id, version, type, data, metadata) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)";
            for (var i = 1; i <= appends; i++)
            {
                await using var command = dataSource.CreateCommand(Sql);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"writer-{w}" });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = i });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "PaymentCaptured" });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Payload });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Meta });
                await command.ExecuteNonQueryAsync(ct);
            }
        }, ct)));

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
        await using (var reset = dataSource.CreateCommand("TRUNCATE events, streams, baseline_events RESTART IDENTITY; CHECKPOINT"))
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
