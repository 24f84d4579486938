using System.CommandLine;
using Reconciler.Cli;


namespace Reconciler.Bench;

/// <summary><c>reconciler-bench core|store|ingest</c>: measured figures beside a baseline taken in the same run.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var core = new Command("core", "Signals judged and events folded per second by the pure core, on one thread");
        core.SetAction(_ => CoreBenchmark.Run(Console.Out));

        var micro = new Command("micro", "The core's judging and folding under BenchmarkDotNet (short run, in process), with allocations");
        micro.SetAction(_ => CoreMicroBenchmarks.Run([]));

        var store = new Command("store", "Event store appends against binary COPY and single-row INSERT baselines (embedded PostgreSQL unless --connection)")
        {
            CommonOptions.Connection,
        };
        store.SetAction((result, ct) => StoreBenchmark.RunAsync(result.GetValue(CommonOptions.Connection), Console.Out, ct));

        var ingest = new Command("ingest", "HTTP signal ingest through `serve` against raw PostgreSQL baselines (embedded PostgreSQL)");
        var signals = new Option<int>("--signals") { Description = "Signals to send per run", DefaultValueFactory = _ => 200_000 };
        var operations = new Option<int>("--operations") { Description = "Operations they spread over", DefaultValueFactory = _ => 20_000 };
        var singles = new Option<int>("--single-signals") { Description = "Signals sent one per request in (b)", DefaultValueFactory = _ => 20_000 };
        ingest.Options.Add(signals);
        ingest.Options.Add(operations);
        ingest.Options.Add(singles);
        ingest.SetAction((result, ct) => IngestBenchmark.RunAsync(result.GetValue(signals), result.GetValue(operations), result.GetValue(singles), Console.Out, ct));

        var burst = new Command("burst", "One signal per request at 1/8/64/256 connections through `serve`, beside single-row INSERT transactions at as many (embedded PostgreSQL)");
        var burstSeconds = new Option<int>("--seconds") { Description = "Seconds per step", DefaultValueFactory = _ => 15 };
        var burstSteps = new Option<int[]>("--connections") { Description = "The steps", DefaultValueFactory = _ => [1, 8, 64, 256], AllowMultipleArgumentsPerToken = true };
        burst.Options.Add(burstSeconds);
        burst.Options.Add(burstSteps);
        burst.SetAction((result, ct) => BurstBenchmark.RunAsync(result.GetValue(burstSeconds), result.GetValue(burstSteps)!, Console.Out, ct));

        var rebuild = new Command("rebuild", "`projections rebuild` over ~1,000,000 decided events in a temporary PostgreSQL (unless --connection): events/s, median of 3")
        {
            CommonOptions.Connection,
        };
        var events = new Option<int>("--events") { Description = "Events to generate", DefaultValueFactory = _ => 1_000_000 };
        rebuild.Options.Add(events);
        rebuild.SetAction((result, ct) => RebuildBenchmark.RunRebuildAsync(result.GetValue(CommonOptions.Connection), result.GetValue(events), Console.Out, ct));

        var replay = new Command("replay", "Read and fold one 10,000-event operation: median of 10 runs (temporary PostgreSQL unless --connection)")
        {
            CommonOptions.Connection,
        };
        replay.SetAction((result, ct) => RebuildBenchmark.RunReplayAsync(result.GetValue(CommonOptions.Connection), Console.Out, ct));

        var backtest = new Command("backtest", "A policy backtest of 100,000 operations (~1,000,000 events) through `serve`, beside a plain read and `projections rebuild` of the same events (temporary PostgreSQL unless --connection)")
        {
            CommonOptions.Connection,
        };
        var backtestOperations = new Option<int>("--operations") { Description = "Operations to generate", DefaultValueFactory = _ => 100_000 };
        backtest.Options.Add(backtestOperations);
        backtest.SetAction((result, ct) => BacktestBenchmark.RunAsync(result.GetValue(CommonOptions.Connection), result.GetValue(backtestOperations), Console.Out, ct));

        var cluster = new Command("cluster", "The ingest load spread over 1, 2 and 3 `serve` processes on one PostgreSQL (embedded): signals/s, latencies and CPU per party");
        var clusterSignals = new Option<int>("--signals") { Description = "Signals sent in batches per server count", DefaultValueFactory = _ => 60_000 };
        var clusterOperations = new Option<int>("--operations") { Description = "Operations they spread over", DefaultValueFactory = _ => 6_000 };
        var clusterSingles = new Option<int>("--single-signals") { Description = "Signals sent one per request per server count", DefaultValueFactory = _ => 6_000 };
        var servers = new Option<int>("--servers") { Description = "Up to how many servers", DefaultValueFactory = _ => 3 };
        cluster.Options.Add(clusterSignals);
        cluster.Options.Add(clusterOperations);
        cluster.Options.Add(clusterSingles);
        cluster.Options.Add(servers);
        cluster.SetAction((result, ct) => ClusterBenchmark.RunAsync(
            result.GetValue(clusterSignals), result.GetValue(clusterOperations), result.GetValue(clusterSingles), result.GetValue(servers), Console.Out, ct));

        var import = new Command("import", "A CSV statement through POST /v1/sources/{source}/imports against batched ingest in the same run (embedded PostgreSQL)");
        var rows = new Option<int>("--rows") { Description = "Rows in the file", DefaultValueFactory = _ => 1_000_000 };
        var importOperations = new Option<int>("--operations") { Description = "Operations the rows spread over (default: a tenth of the rows, as the baseline's signals)" };
        var baseline = new Option<int>("--baseline-signals") { Description = "Signals of the batched ingest baseline", DefaultValueFactory = _ => 200_000 };
        import.Options.Add(rows);
        import.Options.Add(importOperations);
        import.Options.Add(baseline);
        import.SetAction((result, ct) => ImportBenchmark.RunAsync(
            result.GetValue(rows), result.GetValue(importOperations) is > 0 and var given ? given : Math.Max(1, result.GetValue(rows) / 10), result.GetValue(baseline), Console.Out, ct));

        return new RootCommand("Benchmarks that print figures beside a baseline measured in the same run") { core, micro, store, ingest, burst, rebuild, replay, backtest, cluster, import, WebhookBenchmark.Command(), ReadsBenchmark.Command() };
    }
}
