using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Reconciler.Store;
using Reconciler.Testing;

namespace Reconciler.Bench;

/// <summary>
/// <c>reconciler-bench reads</c>: a read-heavy load (operation truth, conflict lists, the disagreement report) beside signal
/// ingest, through `serve` on the primary alone and then with one streaming replica (<c>--read-connection</c>), each on a
/// fresh database seeded alike, in one run: ingest signals/s and read p50/p99 for both. The replica is a hot standby made
/// by pg_basebackup on the same machine, so it competes for the same cores.
/// </summary>
public static class ReadsBenchmark
{
    private const int ReadLoops = 6;
    private const int IngestLoops = 2;
    private const int IngestBatch = 50;
    private const int SeedOperations = 2_000;

    private sealed record Phase(string Setup, double SignalsPerSecond, double ReadsPerSecond, List<double> ReadMs, int FromReplica, int Reads, int Failed);

    public static Command Command()
    {
        var command = new Command("reads", "Truth reads, conflict lists and a report beside signal ingest, through `serve` on the primary alone and with one streaming replica (embedded PostgreSQL and a hot standby of it)");
        var seconds = new Option<int>("--seconds") { Description = "Seconds of load per setup", DefaultValueFactory = _ => 20 };
        command.Options.Add(seconds);
        command.SetAction((result, ct) => RunAsync(result.GetValue(seconds), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(int seconds, TextWriter output, CancellationToken ct)
    {
        output.WriteLine($"Reads benchmark: {ReadLoops} readers (truth, conflict list, report in turn) beside {IngestLoops} senders of {IngestBatch}-signal batches, {seconds} s per setup, on {Environment.ProcessorCount} cores.");
        await using var primary = await EmbeddedPostgres.StartAsync(EmbeddedPostgresOptions.Temporary("reconciler-reads") with { Durable = true, MaxConnections = 300 }, ct);
        var alone = await primary.CreateDatabaseAsync("reads_alone", ct);
        var replicated = await primary.CreateDatabaseAsync("reads_replica", ct);
        await using var standby = await EmbeddedPostgres.StartAsync(
            EmbeddedPostgresOptions.Temporary("reconciler-reads-standby") with { Durable = true, MaxConnections = 300, StandbyOf = primary.ConnectionString }, ct);

        var phases = new List<Phase>
        {
            await RunPhaseAsync("primary alone", ["--connection", alone], seconds, ct),
            await RunPhaseAsync("primary + 1 replica", ["--connection", replicated, "--read-connection", standby.ConnectionStringFor("reads_replica")], seconds, ct),
        };

        output.WriteLine();
        output.WriteLine("| setup | ingest signals/s | reads/s | read p50 ms | read p99 ms | reads served by the replica | failed |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in phases)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Setup} | {p.SignalsPerSecond:N0} | {p.ReadsPerSecond:N0} | {IngestBenchmark.Percentile(p.ReadMs, 0.5):0.0} | {IngestBenchmark.Percentile(p.ReadMs, 0.99):0.0} | {100.0 * p.FromReplica / Math.Max(1, p.Reads):0}% | {p.Failed:N0} |"));
        }
        return phases.Sum(p => p.Failed) == 0 ? 0 : 1;
    }

    private static async Task<Phase> RunPhaseAsync(string setup, string[] serveArguments, int seconds, CancellationToken ct)
    {
        var adminKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await using var server = await ServerProcess.StartAsync(serveArguments, new Dictionary<string, string> { ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = adminKey }, TimeSpan.FromSeconds(60));
        await IngestBenchmark.SetUpAsync(server.Address, adminKey, ct);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = ReadLoops + IngestLoops + 2 })
        {
            BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        // The same seed in both setups: operations with a refund after an authorization (a conflict each).
        for (var first = 0; first < SeedOperations; first += 500)
        {
            await PostAsync(http, Batch(Enumerable.Range(first, 500).SelectMany(i => new[] { ($"seed-{i}", $"seed-{i}-a", "authorized"), ($"seed-{i}", $"seed-{i}-b", "refunded") })), ct);
        }

        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(seconds * Stopwatch.Frequency);
        var (signals, failed, fromReplica) = (0, 0, 0);
        var ingest = Enumerable.Range(0, IngestLoops).Select(loop => Task.Run(async () =>
        {
            for (var n = 0; Stopwatch.GetTimestamp() < until; n++)
            {
                var batch = Enumerable.Range(0, IngestBatch).Select(i => ($"{setup[0]}-{loop}-{n}-{i / 2}", $"{setup[0]}-{loop}-{n}-{i}", i % 2 == 0 ? "authorized" : "captured"));
                if (await PostAsync(http, Batch(batch), ct))
                {
                    Interlocked.Add(ref signals, IngestBatch);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }, ct)).ToList();
        var reads = Enumerable.Range(0, ReadLoops).Select(loop => Task.Run(async () =>
        {
            var mine = new List<double>();
            var random = new Random(loop);
            for (var n = 0; Stopwatch.GetTimestamp() < until; n++)
            {
                var path = (n % 3) switch
                {
                    0 => $"/v1/operations/seed-{random.Next(SeedOperations)}",
                    1 => "/v1/conflicts?limit=50",
                    _ => "/v1/reports/disagreements",
                };
                var sent = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(path, ct);
                await response.Content.ReadAsByteArrayAsync(ct);
                mine.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failed);
                }
                if (response.Headers.TryGetValues("Reconciler-Read-From", out var from) && from.Single() != "primary")
                {
                    Interlocked.Increment(ref fromReplica);
                }
            }
            return mine;
        }, ct)).ToList();
        await Task.WhenAll(ingest);
        var latencies = (await Task.WhenAll(reads)).SelectMany(l => l).ToList();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await server.TerminateAsync(TimeSpan.FromSeconds(20));
        return new Phase(setup, signals / elapsed, latencies.Count / elapsed, latencies, fromReplica, latencies.Count, failed);
    }

    private static string Batch(IEnumerable<(string Operation, string Signal, string State)> signals) =>
        "{\"signals\":[" + string.Join(",", signals.Select(s =>
            "{\"operationId\":\"" + s.Operation + "\",\"operationType\":\"order\",\"signalId\":\"" + s.Signal + "\",\"source\":\"payment-gateway\",\"facet\":\"payment\",\"state\":\"" + s.State +
            "\",\"attributes\":{\"amount\":\"129.90\",\"currency\":\"EUR\"}}")) + "]}";

    private static async Task<bool> PostAsync(HttpClient http, string body, CancellationToken ct)
    {
        using var response = await http.PostAsync("/v1/signals", new StringContent(body, Encoding.UTF8, "application/json"), ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        return response.IsSuccessStatusCode;
    }
}
