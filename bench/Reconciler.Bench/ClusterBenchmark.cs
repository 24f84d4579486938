using System.Diagnostics;
using System.Globalization;
using Reconciler.Store;
using Reconciler.Testing;

namespace Reconciler.Bench;

/// <summary>
/// `reconciler-bench cluster`: the ingest load of `bench ingest` spread over 1, 2 and 3 `serve` processes on one
/// durable PostgreSQL (each client talks to one server, round robin), from scratch for each count: signals/s and
/// latencies, the ratio to one server, and where the CPU went (servers, PostgreSQL, this load generator) per
/// 1,000 signals. On a machine with few cores the servers share the cores with PostgreSQL and each other, so this
/// measures the overhead of more servers more than their capacity; the CPU split says which party is the bound.
/// </summary>
public static class ClusterBenchmark
{
    private const int BatchSize = 1_000;

    public static async Task<int> RunAsync(int signals, int operations, int singleSignals, int maxServers, TextWriter output, CancellationToken ct)
    {
        output.WriteLine($"Cluster benchmark: 1..{maxServers} servers on one PostgreSQL; (a) {signals:N0} signals in batches of {BatchSize:N0} over {operations:N0} operations, "
            + $"(b) {singleSignals:N0} signals one per request; {IngestBenchmark.Clients} clients, client i talks to server i mod n.");
        output.WriteLine($"This machine has {Environment.ProcessorCount} cores.");
        await using var postgres = await EmbeddedPostgres.StartAsync(EmbeddedPostgresOptions.Temporary("reconciler-bench-cluster") with { Durable = true }, ct);
        var rows = new List<Row>();
        for (var n = 1; n <= maxServers; n++)
        {
            rows.Add(await RunOnceAsync(postgres, n, signals, operations, singleSignals, output, ct));
        }

        output.WriteLine();
        output.WriteLine("| servers | (a) signals/s | (a) p99 ms | (a) vs 1 | (b) signals/s | (b) p50 ms | (b) p99 ms | (b) vs 1 | feed p50 / p99 ms | CPU ms per 1,000 signals (b): servers / PostgreSQL / load generator |");
        output.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Servers} | {row.Batched.Rate:N0} | {IngestBenchmark.Percentile(row.Batched.Latencies, 0.99):0} | {row.Batched.Rate / rows[0].Batched.Rate:0.00}× "
                + $"| {row.Single.Rate:N0} | {IngestBenchmark.Percentile(row.Single.Latencies, 0.5):0.0} | {IngestBenchmark.Percentile(row.Single.Latencies, 0.99):0.0} | {row.Single.Rate / rows[0].Single.Rate:0.00}× "
                + $"| {IngestBenchmark.Percentile(row.Feed, 0.5):0.0} / {IngestBenchmark.Percentile(row.Feed, 0.99):0.0} "
                + $"| {row.Single.CpuPerThousand(row.Single.Servers):0} / {row.Single.CpuPerThousand(row.Single.Postgres):0} / {row.Single.CpuPerThousand(row.Single.LoadGenerator):0} |"));
        }
        output.WriteLine();
        output.WriteLine("feed: from a request's 200 to its SignalReceived on an SSE stream held on the last server (with 2 or more servers, most signals were posted to another one).");
        return 0;
    }

    private sealed record Phase(int Signals, double Seconds, List<double> Latencies, TimeSpan Servers, TimeSpan Postgres, TimeSpan LoadGenerator)
    {
        public double Rate => Signals / Seconds;

        public double CpuPerThousand(TimeSpan cpu) => cpu.TotalMilliseconds / Signals * 1000;
    }

    private sealed record Row(int Servers, Phase Batched, Phase Single, List<double> Feed);

    private static async Task<Row> RunOnceAsync(EmbeddedPostgres postgres, int n, int signals, int operations, int singleSignals, TextWriter output, CancellationToken ct)
    {
        var database = await postgres.CreateDatabaseAsync($"bench_cluster_{n}", ct);
        var adminKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var servers = new List<ServerProcess>();
        try
        {
            for (var i = 0; i < n; i++)
            {
                servers.Add(await ServerProcess.StartAsync(
                    ["--connection", database, "--node", $"bench-{i + 1}"],
                    new Dictionary<string, string> { ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = adminKey },
                    TimeSpan.FromSeconds(90)));
            }
            output.WriteLine($"{n} server(s): pids {string.Join(", ", servers.Select(s => s.Pid))}");
            var keys = await IngestBenchmark.SetUpAsync(servers[0].Address, adminKey, ct);
            Uri AddressOf(int client) => servers[client % n].Address;

            await using var feed = new FeedLatencyProbe(servers[^1].Address, adminKey);
            await Task.Delay(500, ct);
            var batched = await MeasureAsync(servers, postgres, () =>
                IngestBenchmark.SendAsync(AddressOf, keys, IngestBenchmark.Workload(signals, operations, $"a{n}"), BatchSize, $"{n} server(s) (a)", null, output, ct));
            var single = await MeasureAsync(servers, postgres, () =>
                IngestBenchmark.SendAsync(AddressOf, keys, IngestBenchmark.Workload(singleSignals, Math.Max(1, singleSignals / 10), $"b{n}"), 1, $"{n} server(s) (b)", feed, output, ct));
            var latencies = await feed.LatenciesAsync($"b{n}-", TimeSpan.FromSeconds(10));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  (a) {batched.Rate:N0} signals/s, (b) {single.Rate:N0} signals/s"));
            return new Row(n, batched, single, latencies);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.TerminateAsync(TimeSpan.FromSeconds(30));
                await server.DisposeAsync();
            }
        }
    }

    private static async Task<Phase> MeasureAsync(List<ServerProcess> servers, EmbeddedPostgres postgres, Func<Task<IngestBenchmark.Run>> send)
    {
        TimeSpan Servers() => servers.Aggregate(TimeSpan.Zero, (sum, s) => sum + ProcessCpu.Of(s.Pid));
        var (servers0, postgres0, self0) = (Servers(), ProcessCpu.Of(postgres.PostmasterPid, withChildren: true), Process.GetCurrentProcess().TotalProcessorTime);
        var run = await send();
        return new Phase(run.Signals, run.Seconds, run.LatenciesMs,
            Servers() - servers0, ProcessCpu.Of(postgres.PostmasterPid, withChildren: true) - postgres0, Process.GetCurrentProcess().TotalProcessorTime - self0);
    }
}
