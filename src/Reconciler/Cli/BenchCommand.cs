using System.CommandLine;
using Reconciler.Benchmarks;

namespace Reconciler.Cli;

/// <summary><c>reconciler bench core|store|ingest</c>: measured figures beside a baseline taken in the same run.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var core = new Command("core", "Signals judged and events folded per second by the pure core, on one thread");
        core.SetAction(_ => CoreBenchmark.Run(Console.Out));

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

        return new Command("bench", "Benchmarks that print figures beside a baseline measured in the same run") { core, store, ingest };
    }
}
