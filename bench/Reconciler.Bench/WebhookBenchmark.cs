using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Reconciler.Store;
using Reconciler.Testing;

namespace Reconciler.Bench;

/// <summary>
/// `reconciler-bench webhooks`: the real `reconciler serve` process on a private durable PostgreSQL, single-signal
/// ingest from 4 clients, first without a subscription (the baseline), then with one subscription to SignalReceived
/// delivering to a receiver in this process on 127.0.0.1. Per signal: the time from its request's 200 (after the
/// commit) to its delivery at the receiver; delivery throughput against ingest; the subscription's lag while loaded.
/// Self-contained on purpose: benchmarks move out of the product later.
/// </summary>
public static class WebhookBenchmark
{
    private const int Clients = 4;
    private const int WarmUp = 200;
    private static readonly string[] Sources = ["payment-gateway", "warehouse", "erp", "crm"];
    private static readonly string[] Facets = ["payment", "inventory", "ledger", "journey"];
    private static readonly string[] States = ["authorized", "reserved", "recorded", "browsing"];

    public static Command Command()
    {
        var signals = new Option<int>("--signals") { Description = "Signals sent one per request with the subscription", DefaultValueFactory = _ => 10_000 };
        var baseline = new Option<int>("--baseline-signals") { Description = "Signals sent first without a subscription", DefaultValueFactory = _ => 5_000 };
        var command = new Command("webhooks", "Commit → receiver latency and delivery throughput of one webhook subscription under single-signal ingest through `serve` (embedded PostgreSQL)")
        {
            signals, baseline,
        };
        command.SetAction((result, ct) => RunAsync(result.GetValue(signals), result.GetValue(baseline), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(int signals, int baselineSignals, TextWriter output, CancellationToken ct)
    {
        output.WriteLine($"Webhook benchmark: {baselineSignals:N0} signals without a subscription, then {signals:N0} with one (SignalReceived → a receiver on 127.0.0.1); one signal per request, {Clients} clients.");
        output.WriteLine("Starting a private PostgreSQL with the product's durable settings…");
        await using var postgres = await EmbeddedPostgres.StartAsync(EmbeddedPostgresOptions.Temporary("reconciler-bench") with { Durable = true }, ct);
        var database = await postgres.CreateDatabaseAsync("bench_webhooks", ct);
        await using var receiver = await Receiver.StartAsync(ct);
        var adminKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await using var server = await ServerProcess.StartAsync(
            ["--connection", database],
            new Dictionary<string, string>
            {
                ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = adminKey,
                ["RECONCILER_ALLOW_PRIVATE_WEBHOOKS"] = "true",
                ["RECONCILER_SECRETS_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            },
            TimeSpan.FromSeconds(60));
        output.WriteLine($"Server: pid {server.Pid} at {server.Address}; receiver at {receiver.Url}");
        using var admin = Client(server.Address, adminKey);
        var keys = await SetUpAsync(admin, ct);

        var baseline = await SendAsync(server.Address, keys, baselineSignals, "base", receiver, output, ct);
        var created = await admin.PostAsJsonAsync("/v1/subscriptions", new { name = "bench", url = receiver.Url, types = new[] { "SignalReceived" } }, ct);
        created.EnsureSuccessStatusCode();
        await Task.Delay(1500, ct); // the server's worker takes the lease and starts reading
        await SendAsync(server.Address, keys, WarmUp, "warm", receiver, output, ct); // the delivery path's first calls, not measured
        await receiver.WaitForAsync("warm-", WarmUp, TimeSpan.FromSeconds(30));

        using var sampling = new CancellationTokenSource();
        var lags = SampleLagAsync(admin, sampling.Token);
        // The feed's own share of the latency: the same signals read from /v1/feed/stream, as `bench ingest` measures it.
        await using var feed = new FeedLatencyProbe(server.Address, adminKey);
        await Task.Delay(500, ct);
        var loaded = await SendAsync(server.Address, keys, signals, "hook", receiver, output, ct, feed);
        var drained = await receiver.WaitForAsync("hook-", signals, TimeSpan.FromSeconds(120));
        await sampling.CancelAsync();
        var (maxLagEvents, maxLagSeconds) = await lags;
        var view = await admin.GetFromJsonAsync<JsonElement>("/v1/subscriptions/bench", ct);

        var latencies = receiver.Latencies("hook-", loaded.Acknowledged);
        var feedLatencies = await feed.LatenciesAsync("hook-", TimeSpan.FromSeconds(5));
        var ingestRate = signals / loaded.Seconds;
        var lastArrival = receiver.LastArrival("hook-");
        var deliverySeconds = Stopwatch.GetElapsedTime(loaded.Started, lastArrival).TotalSeconds;
        var deliveryRate = receiver.Count("hook-") / deliverySeconds;
        var drainMs = Math.Max(0, Stopwatch.GetElapsedTime(loaded.Finished, lastArrival).TotalMilliseconds);
        var p50 = Percentile(latencies, 0.5);
        var p99 = Percentile(latencies, 0.99);

        output.WriteLine();
        output.WriteLine("| measure | value | target |");
        output.WriteLine("| --- | ---: | --- |");
        Row(output, "ingest without a subscription (baseline)", $"{baselineSignals / baseline.Seconds:N0} signals/s", "");
        Row(output, "ingest with the subscription", $"{ingestRate:N0} signals/s", $"{ingestRate / (baselineSignals / baseline.Seconds):0.00}× the baseline");
        Row(output, "deliveries (first 200 → last delivery)", $"{deliveryRate:N0} deliveries/s", Verdict(deliveryRate >= 0.95 * ingestRate, "keeps up with ingest"));
        Row(output, "commit → receiver p50", $"{p50:0.0} ms", "");
        Row(output, "commit → receiver p95", $"{Percentile(latencies, 0.95):0.0} ms", "");
        Row(output, "commit → receiver p99", $"{p99:0.0} ms", Verdict(p99 < 100, "< 100 ms"));
        Row(output, "commit → receiver max", $"{(latencies.Count > 0 ? latencies.Max() : 0):0.0} ms", "");
        Row(output, "for comparison: commit → /v1/feed/stream p50 / p95 / p99", $"{Percentile(feedLatencies, 0.5):0.0} / {Percentile(feedLatencies, 0.95):0.0} / {Percentile(feedLatencies, 0.99):0.0} ms", "");
        Row(output, "largest lag seen (GET every 250 ms)", $"{maxLagEvents:N0} events / {maxLagSeconds:0.00} s", Verdict(maxLagSeconds < 2, "< 2 s"));
        Row(output, "last delivery after the last 200", $"{drainMs:0} ms", "");
        Row(output, "delivered / failures / parked", $"{ServerClientText(view, "delivered")} / {ServerClientText(view, "failures")} / {ServerClientText(view, "parked")}", "");
        output.WriteLine();
        output.WriteLine($"Signals acknowledged but not delivered within 2 minutes: {(drained ? 0 : signals - receiver.Count("hook-")):N0}; repeated deliveries: {receiver.Repeats:N0}.");
        if (!drained)
        {
            output.WriteLine("The server said:");
            output.WriteLine(string.Join('\n', server.Output.Split('\n').TakeLast(60)));
        }
        await server.TerminateAsync(TimeSpan.FromSeconds(20));
        return drained && p99 < 100 && maxLagSeconds < 2 ? 0 : 1;
    }

    private sealed record Run(double Seconds, long Started, long Finished, ConcurrentDictionary<string, long> Acknowledged);

    private static async Task<Run> SendAsync(
        Uri address, string[] keys, int total, string prefix, Receiver receiver, TextWriter output, CancellationToken ct, FeedLatencyProbe? feed = null)
    {
        var acknowledged = new ConcurrentDictionary<string, long>();
        var sent = 0;
        var started = Stopwatch.GetTimestamp();
        using var progress = new Timer(_ => output.WriteLine($"  {prefix}: {Volatile.Read(ref sent):N0}/{total:N0} signals, {receiver.Count(prefix + "-"):N0} delivered"), null, 5000, 5000);
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async client =>
        {
            using var http = Client(address, keys[client]);
            var count = total / Clients + (client < total % Clients ? 1 : 0);
            for (var i = 0; i < count; i++)
            {
                var signalId = $"{prefix}-{client}-{i}";
                var body = $$"""{"operationId":"{{prefix}}-order-{{client}}-{{i % 500}}","operationType":"order","signalId":"{{signalId}}","facet":"{{Facets[client]}}","state":"{{States[client]}}"}""";
                using var response = await http.PostAsync("/v1/signals", new StringContent(body, Encoding.UTF8, "application/json"), ct);
                response.EnsureSuccessStatusCode();
                acknowledged[signalId] = Stopwatch.GetTimestamp();
                feed?.Acknowledged([signalId]);
                Interlocked.Increment(ref sent);
            }
        }));
        var finished = Stopwatch.GetTimestamp();
        return new Run(Stopwatch.GetElapsedTime(started, finished).TotalSeconds, started, finished, acknowledged);
    }

    private static async Task<(long Events, double Seconds)> SampleLagAsync(HttpClient admin, CancellationToken ct)
    {
        var (events, seconds) = (0L, 0.0);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var lag = (await admin.GetFromJsonAsync<JsonElement>("/v1/subscriptions/bench", ct)).GetProperty("lag");
                events = Math.Max(events, lag.GetProperty("events").GetInt64());
                seconds = Math.Max(seconds, lag.GetProperty("seconds").GetDouble());
                await Task.Delay(250, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
        return (events, seconds);
    }

    private static async Task<string[]> SetUpAsync(HttpClient admin, CancellationToken ct)
    {
        (await admin.PutAsync("/v1/policies/order", new StringContent(PolicyJson, Encoding.UTF8, "application/json"), ct)).EnsureSuccessStatusCode();
        var keys = new string[Clients];
        for (var i = 0; i < Clients; i++)
        {
            var created = await (await admin.PostAsJsonAsync("/v1/keys", new { role = "source", source = Sources[i] }, ct)).Content.ReadFromJsonAsync<JsonElement>(ct);
            keys[i] = created.GetProperty("key").GetString()!;
        }
        return keys;
    }

    /// <summary>One facet per source and no outcome rule: every signal is one SignalReceived, whatever the order.</summary>
    private const string PolicyJson = """
        { "operationType": "order", "graceSeconds": 300,
          "facets": { "payment": { "owner": "payment-gateway", "states": ["authorized"] }, "inventory": { "owner": "warehouse", "states": ["reserved"] },
                      "ledger": { "owner": "erp", "states": ["recorded"] }, "journey": { "owner": "crm", "states": ["browsing"] } },
          "expectations": [], "outcomes": [] }
        """;

    private static void Row(TextWriter output, string measure, string value, string target) => output.WriteLine($"| {measure} | {value} | {target} |");

    private static string Verdict(bool met, string target) => $"{target}: {(met ? "met" : "MISSED")}";

    private static string ServerClientText(JsonElement json, string name) => json.TryGetProperty(name, out var v) ? v.GetRawText() : "";

    private static HttpClient Client(Uri address, string key)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return 0;
        }
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }

    /// <summary>The webhook receiver: notes when each signal's SignalReceived first arrives, answers 204.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, long> _arrived = new();
        private long _repeats;

        private Receiver(WebApplication app) => _app = app;

        public Uri Url { get; private set; } = null!;
        public long Repeats => Interlocked.Read(ref _repeats);

        public static async Task<Receiver> StartAsync(CancellationToken ct)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                var now = Stopwatch.GetTimestamp();
                using var item = await JsonDocument.ParseAsync(request.Body);
                var signalId = item.RootElement.GetProperty("data").GetProperty("signalId").GetString()!;
                if (!receiver._arrived.TryAdd(signalId, now))
                {
                    Interlocked.Increment(ref receiver._repeats);
                }
                return Results.NoContent();
            });
            await app.StartAsync(ct);
            receiver.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook");
            return receiver;
        }

        public int Count(string prefix) => _arrived.Keys.Count(k => k.StartsWith(prefix, StringComparison.Ordinal));

        public long LastArrival(string prefix) => _arrived.Where(a => a.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(a => a.Value).DefaultIfEmpty(Stopwatch.GetTimestamp()).Max();

        public async Task<bool> WaitForAsync(string prefix, int count, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (Count(prefix) < count && DateTime.UtcNow < until)
            {
                await Task.Delay(50);
            }
            return Count(prefix) >= count;
        }

        /// <summary>Per acknowledged signal: from its 200 to its arrival, in ms (0 when the delivery beat the answer).</summary>
        public List<double> Latencies(string prefix, ConcurrentDictionary<string, long> acknowledged) =>
            acknowledged.Where(a => a.Key.StartsWith(prefix, StringComparison.Ordinal) && _arrived.ContainsKey(a.Key))
                .Select(a => Math.Max(0, Stopwatch.GetElapsedTime(a.Value, _arrived[a.Key]).TotalMilliseconds))
                .ToList();

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
