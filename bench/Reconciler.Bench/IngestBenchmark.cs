using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Reconciler.Store;
using Reconciler.Testing;

namespace Reconciler.Bench;

/// <summary>
/// `reconciler-bench ingest`: signals through the real `reconciler serve` process over HTTP from 4
/// clients, on a private durable PostgreSQL, beside what raw PostgreSQL does with the same number of rows
/// on the same server in the same run: binary COPY for (a) batches, single-row INSERT transactions for (b).
/// </summary>
public static class IngestBenchmark
{
    internal const int Clients = 4;
    private const int BatchSize = 1_000;
    private static readonly string[] Sources = ["payment-gateway", "warehouse", "erp", "crm"];
    private static readonly Dictionary<string, (string Facet, string[] States)> FacetOf = new()
    {
        ["payment-gateway"] = ("payment", ["authorized", "captured", "captured"]),
        ["warehouse"] = ("inventory", ["reserved", "shipped", "shipped"]),
        ["erp"] = ("ledger", ["recorded", "recorded", "reversed"]),
        ["crm"] = ("journey", ["browsing", "purchased", "purchased"]),
    };

    public static async Task<int> RunAsync(int signals, int operations, int singleSignals, TextWriter output, CancellationToken ct)
    {
        output.WriteLine($"Ingest benchmark: (a) {signals:N0} signals over {operations:N0} operations in batches of {BatchSize:N0}; (b) {singleSignals:N0} signals one per request; {Clients} HTTP clients.");
        output.WriteLine("Starting a private PostgreSQL with the product's durable settings (fsync and synchronous_commit on)…");
        await using var postgres = await EmbeddedPostgres.StartAsync(EmbeddedPostgresOptions.Temporary("reconciler-bench") with { Durable = true }, ct);
        var serverDb = await postgres.CreateDatabaseAsync("bench_server", ct);
        var rawDb = await postgres.CreateDatabaseAsync("bench_raw", ct);
        await using var raw = StoreDataSource.Create(new NpgsqlConnectionStringBuilder(rawDb) { MaxPoolSize = 20 }.ConnectionString);
        await new Migrator(raw).MigrateAsync(ct);
        await RawBaselines.CreateTableAsync(raw, ct);

        var adminKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await using var server = await ServerProcess.StartAsync(
            ["--connection", serverDb],
            new Dictionary<string, string> { ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = adminKey },
            TimeSpan.FromSeconds(60));
        output.WriteLine($"Server: pid {server.Pid} at {server.Address}");
        var keys = await SetUpAsync(server.Address, adminKey, ct);

        List<double> feedA, feedB;
        int feedMissing;
        Run batches, singles;
        long eventsInA;
        await using (var feed = new FeedLatencyProbe(server.Address, adminKey))
        {
            await Task.Delay(500, ct); // the stream is open before the first signal
            batches = await SendAsync(server.Address, keys, Workload(signals, operations, "a"), BatchSize, "(a)", feed, output, ct);
            eventsInA = await CountEventsAsync(serverDb, ct);
            singles = await SendAsync(server.Address, keys, Workload(singleSignals, Math.Max(1, singleSignals / 10), "b"), 1, "(b)", feed, output, ct);
            feedA = await feed.LatenciesAsync("a-", TimeSpan.FromSeconds(10));
            feedB = await feed.LatenciesAsync("b-", TimeSpan.FromSeconds(10));
            feedMissing = feed.Missing;
        }
        var peakRss = server.PeakRssBytes();

        var (data, metadata) = SampleEventRow();
        output.WriteLine($"Baselines on the same server: binary COPY of {eventsInA:N0} event rows ({BatchSize:N0} per transaction), {singleSignals:N0} single-row INSERT transactions, {Clients} at once…");
        var copySeconds = await TimeAsync(() => RawBaselines.CopyAsync(raw, (int)eventsInA, BatchSize, Clients, data, metadata, ct));
        var insertStarted = Stopwatch.GetTimestamp();
        var insertLatencies = await RawBaselines.InsertSinglesAsync(raw, singleSignals, Clients, data, metadata, ct);
        var insertSeconds = Stopwatch.GetElapsedTime(insertStarted).TotalSeconds;

        var copyRate = signals / copySeconds; // the rows a signal batch becomes, at COPY speed, counted in signals
        var insertRate = singleSignals / insertSeconds;
        output.WriteLine();
        output.WriteLine("| case | signals/s | p50 ms | p95 ms | p99 ms | baseline | baseline signals/s | ratio | target |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |");
        var met = Row(output, "(a) batches of 1,000", batches, "binary COPY of the same event rows", copyRate, 0.5);
        met &= Row(output, "(b) one signal per request", singles, "single-row INSERT transactions", insertRate, 0.8, Percentile(insertLatencies, 0.5));
        output.WriteLine();
        var rssMb = peakRss / (1024.0 * 1024);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Server peak RSS: {rssMb:0} MB (target < 300 MB: {(rssMb < 300 ? "met" : "MISSED")})"));
        output.WriteLine("Feed latency: from a request's 200 to its SignalReceived on /v1/feed/stream (one SSE reader), target p99 < 50 ms:");
        foreach (var (name, latencies) in new[] { ("(a)", feedA), ("(b)", feedB) })
        {
            var p99 = Percentile(latencies, 0.99);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  during {name}: p50 {Percentile(latencies, 0.5):0.0} ms, p99 {p99:0.0} ms over {latencies.Count:N0} signals ({(p99 < 50 ? "met" : "MISSED")})"));
        }
        output.WriteLine($"  signals acknowledged but never seen on the stream: {feedMissing:N0}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(a) wrote {eventsInA:N0} events for {signals:N0} signals; COPY took {copySeconds:0.00} s, single INSERTs {insertSeconds:0.00} s."));
        await server.TerminateAsync(TimeSpan.FromSeconds(20));
        return met && rssMb < 300 ? 0 : 1;
    }

    internal sealed record Run(int Signals, double Seconds, List<double> LatenciesMs);

    private static bool Row(TextWriter output, string name, Run run, string baseline, double baselineRate, double target, double? baselineP50 = null)
    {
        var rate = run.Signals / run.Seconds;
        var ratio = rate / baselineRate;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {rate:N0} | {Percentile(run.LatenciesMs, 0.5):0.0} | {Percentile(run.LatenciesMs, 0.95):0.0} | {Percentile(run.LatenciesMs, 0.99):0.0} | {baseline}{(baselineP50 is { } p ? $" (p50 {p:0.0} ms)" : "")} | {baselineRate:N0} | {ratio:0.00}× | ≥ {target:0.0}× {(ratio >= target ? "met" : "MISSED")} |"));
        return ratio >= target;
    }

    /// <summary>An admin puts the order policy and makes one source key per client.</summary>
    internal static async Task<string[]> SetUpAsync(Uri address, string adminKey, CancellationToken ct)
    {
        using var admin = Client(address, adminKey);
        var policy = await File.ReadAllTextAsync(PolicyFile(), ct);
        (await admin.PutAsync("/v1/policies/order", new StringContent(policy, Encoding.UTF8, "application/json"), ct)).EnsureSuccessStatusCode();
        var keys = new string[Clients];
        for (var i = 0; i < Clients; i++)
        {
            var created = await (await admin.PostAsJsonAsync("/v1/keys", new { role = "source", source = Sources[i] }, ct)).Content.ReadFromJsonAsync<JsonElement>(ct);
            keys[i] = created.GetProperty("key").GetString()!;
        }
        return keys;
    }

    /// <summary>Per client (one source each) its signals, spread evenly over the operations, as JSON objects.</summary>
    internal static string[][] Workload(int signals, int operations, string prefix) =>
        Enumerable.Range(0, Clients).Select(client =>
        {
            var source = Sources[client];
            var (facet, states) = FacetOf[source];
            var count = signals / Clients + (client < signals % Clients ? 1 : 0);
            return Enumerable.Range(0, count).Select(i =>
            {
                var operation = i % operations;
                var round = i / operations;
                var state = states[round % states.Length];
                return $$$"""{"operationId":"{{{prefix}}}-order-{{{operation}}}","operationType":"order","signalId":"{{{prefix}}}-{{{source}}}-{{{i}}}","facet":"{{{facet}}}","state":"{{{state}}}","sourceSequence":{{{round}}},"effectKey":"{{{facet}}}-{{{operation}}}","attributes":{"amount":"129.90","currency":"EUR"}}""";
            }).ToArray();
        }).ToArray();

    private static Task<Run> SendAsync(Uri address, string[] keys, string[][] workload, int perRequest, string label, FeedLatencyProbe feed, TextWriter output, CancellationToken ct) =>
        SendAsync(_ => address, keys, workload, perRequest, label, feed, output, ct);

    /// <summary>Each client sends its signals, <paramref name="perRequest"/> per request, to the server <paramref name="addressOf"/> gives it.</summary>
    internal static async Task<Run> SendAsync(
        Func<int, Uri> addressOf, string[] keys, string[][] workload, int perRequest, string label, FeedLatencyProbe? feed, TextWriter output, CancellationToken ct)
    {
        var total = workload.Sum(w => w.Length);
        var sent = 0;
        var started = Stopwatch.GetTimestamp();
        using var progress = new Timer(_ => output.WriteLine($"  {label} {Volatile.Read(ref sent):N0}/{total:N0} signals, {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s"), null, 5000, 5000);
        var latencies = await Task.WhenAll(workload.Select(async (signals, client) =>
        {
            using var http = Client(addressOf(client), keys[client]);
            var mine = new List<double>();
            for (var offset = 0; offset < signals.Length; offset += perRequest)
            {
                var count = Math.Min(perRequest, signals.Length - offset);
                var body = perRequest == 1 ? signals[offset] : "{\"signals\":[" + string.Join(',', signals, offset, count) + "]}";
                var requestStarted = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync("/v1/signals", new StringContent(body, Encoding.UTF8, "application/json"), ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{label}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
                mine.Add(Stopwatch.GetElapsedTime(requestStarted).TotalMilliseconds);
                feed?.Acknowledged(Enumerable.Range(offset, count).Select(i => SignalIdOf(signals[i])));
                Interlocked.Add(ref sent, count);
            }
            return mine;
        }));
        return new Run(total, Stopwatch.GetElapsedTime(started).TotalSeconds, latencies.SelectMany(l => l).ToList());
    }

    private static string SignalIdOf(string signalJson)
    {
        using var signal = JsonDocument.Parse(signalJson);
        return signal.RootElement.GetProperty("signalId").GetString()!;
    }

    private static async Task<long> CountEventsAsync(string connectionString, CancellationToken ct)
    {
        await using var dataSource = StoreDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM events");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>A stored SignalReceived row as ingest writes it, so the baselines move the same bytes.</summary>
    private static (string Data, string Metadata) SampleEventRow()
    {
        var received = new Core.Events.SignalReceived("a-order-1", "order", "payment-gateway", "a-payment-gateway-1", "payment", "captured",
            DateTimeOffset.UnixEpoch, 1, "payment-1", """{"amount":"129.90","currency":"EUR"}""", null, null, new string('0', 64), true, "owner", "fresh")
        { At = DateTimeOffset.UnixEpoch, PolicyVersion = 1 };
        return (Core.Events.EventCodec.Serialize(received), """{"source":"payment-gateway","signalId":"a-payment-gateway-1","policyVersion":1}""");
    }

    /// <summary>samples/policies/order.json, found next to the binary's repository (or the working directory).</summary>
    private static string PolicyFile()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "samples", "policies", "order.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return Path.Combine("samples", "policies", "order.json");
    }

    private static HttpClient Client(Uri address, string key)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<double> TimeAsync(Func<Task> run)
    {
        var started = Stopwatch.GetTimestamp();
        await run();
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    internal static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return 0;
        }
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }
}
