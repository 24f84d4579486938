using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;

namespace Reconciler.Bench;

/// <summary>
/// `reconciler-bench micro`: the core's workload of <see cref="CoreBenchmark"/> (10,000 signals over 10 facets of one
/// operation) under BenchmarkDotNet, with allocations: judging them all, and folding the events they decided.
/// Runs in process (no generated project to build), short-run job.
/// </summary>
[MemoryDiagnoser]
public class CoreMicroBenchmarks
{
    private TruthPolicy _policy = null!;
    private List<ReceiveSignal> _commands = null!;
    private List<OperationEvent> _events = null!;

    [GlobalSetup]
    public void SetUp()
    {
        _policy = CoreBenchmark.Policy();
        _commands = CoreBenchmark.Workload();
        _events = CoreBenchmark.Judge(_policy, _commands);
    }

    [Benchmark(Description = "judge 10,000 signals")]
    public int Judge() => CoreBenchmark.Judge(_policy, _commands).Count;

    [Benchmark(Description = "fold the decided events")]
    public long Fold() => CoreBenchmark.Fold(_events).Version;

    public static int Run(string[] args)
    {
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default);
        var summary = BenchmarkRunner.Run<CoreMicroBenchmarks>(config, args);
        return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0;
    }
}
