using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Npgsql;
using Reconciler.Store;
using Reconciler.Testing;

namespace Reconciler.Bench;

/// <summary>
/// <c>reconciler-bench burst</c>: one signal per request from C connections at once, for a fixed time per step, against
/// single-row INSERT transactions from as many connections on the same PostgreSQL — the sweep of ../shared's burst.sh,
/// driven from .NET (so the load generator's CPU competes too: compare ratios, not absolute figures, with wrk's).
/// Every request counts: 2xx, 503 overloaded (shed at once, by design) or anything else (a failure).
/// </summary>
public static class BurstBenchmark
{
    private sealed record Step(int Connections, int Ok, int Shed, int Failed, double Seconds, List<double> LatenciesMs, double ServerCpuSeconds);

    public static async Task<int> RunAsync(int seconds, IReadOnlyList<int> steps, TextWriter output, CancellationToken ct)
    {
        output.WriteLine($"Burst benchmark: one signal per request at {string.Join("/", steps)} connections, {seconds} s per step, beside single-row INSERT transactions.");
        await using var postgres = await EmbeddedPostgres.StartAsync(EmbeddedPostgresOptions.Temporary("reconciler-burst") with { Durable = true, MaxConnections = steps.Max() + 150 }, ct);
        var serverDb = await postgres.CreateDatabaseAsync("burst_server", ct);
        var rawDb = await postgres.CreateDatabaseAsync("burst_raw", ct);
        await using var raw = StoreDataSource.Create(new NpgsqlConnectionStringBuilder(rawDb) { MaxPoolSize = steps.Max() + 4 }.ConnectionString);
        await new Migrator(raw).MigrateAsync(ct);
        await RawBaselines.CreateTableAsync(raw, ct);
        var adminKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await using var server = await ServerProcess.StartAsync(
            ["--connection", serverDb], new Dictionary<string, string> { ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = adminKey }, TimeSpan.FromSeconds(60));
        var key = (await IngestBenchmark.SetUpAsync(server.Address, adminKey, ct))[0];
        await SendAsync(server, key, 4, 3, "warm", ct);

        output.WriteLine();
        output.WriteLine("| connections | signals/s | p50 ms | p99 ms | shed (503) | failed | server CPU ms/signal | INSERT tx/s | ratio |");
        output.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var failures = 0;
        foreach (var connections in steps)
        {
            var step = await SendAsync(server, key, connections, seconds, $"c{connections}", ct);
            var insertRate = await InsertRateAsync(raw, connections, seconds, ct);
            var rate = step.Ok / step.Seconds;
            failures += step.Failed;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {connections} | {rate:N0} | {IngestBenchmark.Percentile(step.LatenciesMs, 0.5):0.0} | {IngestBenchmark.Percentile(step.LatenciesMs, 0.99):0.0} | {step.Shed:N0} | {step.Failed:N0} | {1000 * step.ServerCpuSeconds / Math.Max(1, step.Ok):0.00} | {insertRate:N0} | {rate / insertRate:0.00}× |"));
        }
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Server peak RSS: {server.PeakRssBytes() / (1024.0 * 1024):0} MB"));
        await server.TerminateAsync(TimeSpan.FromSeconds(20));
        return failures == 0 ? 0 : 1;
    }

    /// <summary><paramref name="connections"/> loops, each on its own connection, sending one fresh signal per request until time is up.</summary>
    private static async Task<Step> SendAsync(ServerProcess server, string key, int connections, int seconds, string run, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var (ok, shed, failed) = (0, 0, 0);
        var cpuBefore = ProcessCpu.Of(server.Pid);
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(seconds * Stopwatch.Frequency);
        var latencies = await Task.WhenAll(Enumerable.Range(0, connections).Select(async loop =>
        {
            var mine = new List<double>();
            for (var n = 0; Stopwatch.GetTimestamp() < until; n++)
            {
                // Each loop walks its own operations: authorized, then captured.
                var (operation, signal, state) = ($"{run}-{loop}-{n / 2}", $"{run}-{loop}-{n}", n % 2 == 0 ? "authorized" : "captured");
                var body = "{\"operationId\":\"" + operation + "\",\"operationType\":\"order\",\"signalId\":\"" + signal + "\",\"facet\":\"payment\",\"state\":\"" + state +
                    "\",\"attributes\":{\"amount\":\"129.90\",\"currency\":\"EUR\"}}";
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.PostAsync("/v1/signals", new StringContent(body, Encoding.UTF8, "application/json"), ct);
                    mine.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Interlocked.Increment(ref shed);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
            return mine;
        }));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new Step(connections, ok, shed, failed, elapsed, latencies.SelectMany(l => l).ToList(), (ProcessCpu.Of(server.Pid) - cpuBefore).TotalSeconds);
    }

    /// <summary>Single-row INSERT transactions from <paramref name="connections"/> connections for <paramref name="seconds"/>: transactions per second.</summary>
    private static async Task<double> InsertRateAsync(NpgsqlDataSource raw, int connections, int seconds, CancellationToken ct)
    {
        var count = 0;
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(seconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            await using var connection = await raw.OpenConnectionAsync(ct);
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO {RawBaselines.Table} (stream_id, version, type, data, metadata) VALUES ($1, 1, 'SignalReceived', $2::json, '{{}}'::json)", connection);
            insert.Parameters.Add(new NpgsqlParameter<string>());
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = """{"source":"gateway","facet":"payment","state":"captured","attributes":{"amount":"129.90","currency":"EUR"}}""" });
            await insert.PrepareAsync(ct);
            while (Stopwatch.GetTimestamp() < until)
            {
                ((NpgsqlParameter<string>)insert.Parameters[0]).TypedValue = $"burst-{Guid.NewGuid():N}";
                await insert.ExecuteNonQueryAsync(ct);
                Interlocked.Increment(ref count);
            }
        }));
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
