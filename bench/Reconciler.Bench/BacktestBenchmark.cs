using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Reconciler.Core.Policies;
using Reconciler.Store.Backtests;
using Reconciler.Store.Policies;
using Reconciler.Store.Projections;
using Reconciler.Testing;

namespace Reconciler.Bench;

/// <summary>
/// `reconciler-bench backtest`: a policy backtest of 100,000 order operations (~1,000,000 events, judged by the Core decider and
/// loaded by binary COPY, as `rebuild` loads its history) run by the real `reconciler serve` through its HTTP API: POST, then GET
/// until done, three times (median). Beside it, in the same run and on the same events: a plain read of them in the backtest's
/// pages (no decoding), and `projections rebuild` (which decodes and folds each stream once, where a backtest folds it and
/// replays it under the candidate).
/// </summary>
public static class BacktestBenchmark
{
    private const double TargetSeconds = 60;
    private const string AdminKey = "bench-backtest-admin";
    private static readonly DateTimeOffset AsOf = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    // Shorter grace (a non-owner's refund claim becomes a disagreement sooner) and a ledger expected within five minutes.
    private static readonly string Candidate = PolicyWriter.Write(RebuildBenchmark.Policy with
    {
        GraceSeconds = 60,
        Expectations = [RebuildBenchmark.Policy.Expectations[0] with { Within = TimeSpan.FromMinutes(5), WithinText = "PT5M" }],
    });

    public static async Task<int> RunAsync(string? connectionString, int operations, TextWriter output, CancellationToken ct) =>
        await RebuildBenchmark.WithDatabaseAsync(connectionString, "backtest", output, async dataSource =>
        {
            var watch = Stopwatch.StartNew();
            var events = await LoadAsync(dataSource, operations, ct);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Generated and copied {events:N0} events of {operations:N0} operations in {watch.Elapsed.TotalSeconds:0.0} s."));
            await new PolicyStore(dataSource).PutAsync(RebuildBenchmark.Policy, "bench", false, ct);
            var read = await PlainReadAsync(dataSource, ct);

            var runs = new List<(double Seconds, double ServerSeconds, string Hash, long Changed)>();
            await using (var server = await ServerProcess.StartAsync(["--connection", dataSource.ConnectionString!],
                new Dictionary<string, string> { ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = AdminKey }, TimeSpan.FromSeconds(60)))
            {
                using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
                for (var i = 0; i < 3; i++)
                {
                    runs.Add(await BacktestAsync(client, ct));
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"backtest {i + 1}: {runs[^1].Seconds:0.0} s"));
                }
                // The server's own account of where each run spent its time.
                foreach (var line in server.Output.Split('\n').Where(l => l.Contains("busy reading", StringComparison.Ordinal)))
                {
                    output.WriteLine("  serve: " + line.Trim());
                }
            }
            var rebuild = await new ProjectionRebuilder(dataSource).RunAsync(verify: false, null, ct);

            var median = runs.OrderBy(r => r.Seconds).ElementAt(1);
            var met = median.Seconds < TargetSeconds;
            output.WriteLine();
            output.WriteLine("| measure (same run, same events) | operations | events | seconds | operations/s | events/s |");
            output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            for (var i = 0; i < runs.Count; i++)
            {
                Row(output, $"backtest {i + 1} (POST → done; server's own time {runs[i].ServerSeconds:0.0} s)", operations, events, runs[i].Seconds);
            }
            Row(output, $"**backtest, median of 3** (target < {TargetSeconds:0} s: {(met ? "met" : "MISSED")})", operations, events, median.Seconds);
            Row(output, "baseline: plain read of the same streams in the backtest's pages", operations, events, read.TotalSeconds);
            Row(output, "baseline: `projections rebuild` of the same events", rebuild.Streams, rebuild.Events, rebuild.Elapsed.TotalSeconds);
            var hashes = runs.Select(r => r.Hash).Distinct().ToList();
            output.WriteLine($"summary hash of every run: {string.Join(", ", hashes)}; operations that change: {median.Changed:N0}");
            return met && hashes.Count == 1 ? 0 : 1;
        }, ct);

    private static void Row(TextWriter output, string name, long operations, long events, double seconds) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {operations:N0} | {events:N0} | {seconds:0.00} | {operations / seconds:N0} | {events / seconds:N0} |"));

    private static async Task<(double Seconds, double ServerSeconds, string Hash, long Changed)> BacktestAsync(HttpClient client, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.PostAsync($"/v1/policies/order/backtests?asOf={Uri.EscapeDataString(AsOf.ToString("O", CultureInfo.InvariantCulture))}",
            new StringContent(Candidate, Encoding.UTF8, "application/json"), ct);
        var started = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST backtests: {(int)response.StatusCode} {started}");
        }
        var id = started.GetProperty("backtestId").GetString();
        while (true)
        {
            await Task.Delay(100, ct);
            var backtest = JsonDocument.Parse(await client.GetStringAsync($"/v1/backtests/{id}", ct)).RootElement;
            switch (backtest.GetProperty("status").GetString())
            {
                case "done":
                    var server = backtest.GetProperty("endedAt").GetDateTimeOffset() - backtest.GetProperty("startedAt").GetDateTimeOffset();
                    var summary = backtest.GetProperty("summary");
                    return (watch.Elapsed.TotalSeconds, server.TotalSeconds, summary.GetProperty("hash").GetString()!, summary.GetProperty("changed").GetInt64());
                case "failed" or "cancelled":
                    throw new InvalidOperationException($"The backtest ended {backtest}");
            }
        }
    }

    /// <summary>What reading alone costs: every stream of the type in pages of the backtest's size, rows taken as they come.</summary>
    private static async Task<TimeSpan> PlainReadAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await PlannerStatistics.RefreshIfStaleAsync(connection, ct);
        var watch = Stopwatch.StartNew();
        var after = "";
        while (await BacktestStreams.ReadPageAsync(connection, "order", null, null, after, 500, ct) is { Count: > 0 } page)
        {
            after = page[^1].OperationId;
        }
        return watch.Elapsed;
    }

    /// <summary>Operations of ~10 events: a browse, an authorization and capture (every 7th declined), the stock, the ledger,
    /// the purchase, the shipment; every 10th the ERP says the payment was refunded (a non-owner's claim that diverges).</summary>
    private static async Task<long> LoadAsync(NpgsqlDataSource dataSource, int operations, CancellationToken ct)
    {
        const int Chunk = 2_000;
        long events = 0;
        for (var first = 0; first < operations; first += Chunk)
        {
            var chunk = Enumerable.Range(first, Math.Min(Chunk, operations - first)).AsParallel().AsOrdered()
                .Select(i => RebuildBenchmark.Judge($"order-{i:D7}", Signals(i))).ToList();
            await RebuildBenchmark.CopyAsync(dataSource, chunk, ct);
            events += chunk.Sum(c => (long)c.Events.Count);
        }
        return events;
    }

    private static List<(string Source, string Facet, string State, long Sequence)> Signals(int i)
    {
        var signals = new List<(string, string, string, long)>
        {
            ("crm", "journey", "browsing", 1),
            ("payment-gateway", "payment", "authorized", 1),
            ("payment-gateway", "payment", i % 7 == 6 ? "declined" : "captured", 2),
            ("warehouse", "inventory", "reserved", 1),
            ("erp", "ledger", "recorded", 1),
            ("crm", "journey", "purchased", 2),
            ("warehouse", "inventory", "shipped", 2),
        };
        if (i % 10 == 9)
        {
            signals.Add(("erp", "payment", "refunded", 3));
        }
        return signals;
    }
}
