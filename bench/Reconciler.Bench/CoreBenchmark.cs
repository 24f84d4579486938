using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Bench;

/// <summary>
/// `reconciler-bench core`: the pure engine on one thread, for one operation of 10 facets and 10,000
/// signals. Judging = decide and evolve every signal from an empty state; folding = evolve the decided
/// events from scratch. Median of several runs after a warm-up; exit code 1 when a target is missed.
/// </summary>
public static class CoreBenchmark
{
    private const int Facets = 10;
    private const int Signals = 10_000;
    private const int Runs = 7;
    private const double FoldTarget = 1_000_000;
    private const double JudgeTarget = 200_000;
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(1);

    public static int Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        WarnIfUnoptimised(output);
        var policy = Policy();
        var commands = Workload();
        var events = Judge(policy, commands);
        WarmUp(() => Judge(policy, commands));
        WarmUp(() => Fold(events));

        var judging = Median(() => Judge(policy, commands), Signals);
        var folding = Median(() => Fold(events), events.Count);
        var state = OperationDecider.Fold(events);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"core benchmark: 1 operation, {Facets} facets, {Signals:N0} signals -> {events.Count:N0} events, {state.Conflicts.Count} conflict records, median of {Runs} runs"));
        output.WriteLine("| measure         |   per second (wall) | per second (cpu time) |              target | result |");
        output.WriteLine("| --------------- | ------------------: | --------------------: | ------------------: | ------ |");
        var judgeOk = Row(output, "signals judged", judging, JudgeTarget);
        var foldOk = Row(output, "events folded", folding, FoldTarget);
        return judgeOk && foldOk ? 0 : 1;
    }

    // A Debug build of Core (or of this tool) runs without JIT optimisation: its figures mean nothing against the targets.
    private static void WarnIfUnoptimised(TextWriter output)
    {
        foreach (var assembly in new[] { typeof(OperationState).Assembly, typeof(CoreBenchmark).Assembly })
        {
            if (assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true)
            {
                output.WriteLine($"WARNING: {assembly.GetName().Name} is a Debug build (JIT optimiser disabled); build with -c Release for meaningful figures.");
            }
        }
    }

    // Tiered compilation needs both call counts and time (its background compiler batches work) to reach
    // optimised code, so warm up for a while, not for a fixed number of runs.
    private static void WarmUp(Func<object> run)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 5 || watch.Elapsed < WarmUpTime; i++)
        {
            GC.KeepAlive(run());
        }
    }

    // Judged on wall-clock time; the process CPU time column shows what a machine busy with other work would have given.
    private static bool Row(TextWriter output, string name, (double Wall, double Cpu) rate, double target)
    {
        var ok = rate.Wall >= target;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name,-15} | {rate.Wall,19:N0} | {rate.Cpu,21:N0} | {target,19:N0} | {(ok ? "ok" : "MISSED"),-6} |"));
        return ok;
    }

    private static (double Wall, double Cpu) Median(Func<object> run, int items)
    {
        var wall = new List<double>(Runs);
        var cpu = new List<double>(Runs);
        using var process = Process.GetCurrentProcess();
        for (var i = 0; i < Runs; i++)
        {
            // Start each run from a collected heap, so that no run pays for the garbage of the one before.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            GC.KeepAlive(run());
            var elapsed = watch.Elapsed;
            process.Refresh();
            wall.Add(items / elapsed.TotalSeconds);
            cpu.Add(items / Math.Max((process.TotalProcessorTime - cpuBefore).TotalSeconds, 1e-9));
        }

        wall.Sort();
        cpu.Sort();
        return (wall[Runs / 2], cpu[Runs / 2]);
    }

    internal static List<OperationEvent> Judge(TruthPolicy policy, List<ReceiveSignal> commands)
    {
        var state = OperationState.Initial;
        var receipts = new SignalReceipts();
        var events = new List<OperationEvent>(commands.Count * 2);
        foreach (var command in commands)
        {
            // Like the server's receipts lookup, so that a redelivery is judged a duplicate.
            var known = receipts.Find(command.Source, command.Signal.SignalId);
            IReadOnlyList<OperationEvent> decided;
            (decided, state) = OperationDecider.Handle(state, policy, command with { KnownContentHash = known });
            events.AddRange(decided);
            if (known is null)
            {
                foreach (var e in decided)
                {
                    receipts.Record(e);
                }
            }
        }

        return events;
    }

    internal static OperationState Fold(List<OperationEvent> events)
    {
        var state = OperationState.Initial;
        foreach (var e in events)
        {
            state = OperationDecider.Evolve(state, e);
        }

        return state;
    }

    internal static TruthPolicy Policy()
    {
        ImmutableList<string> states = ["s0", "s1", "s2", "s3", "s4"];
        var facets = Enumerable.Range(0, Facets).ToImmutableDictionary(
            i => "facet-" + i.ToString(CultureInfo.InvariantCulture),
            i => new FacetPolicy("owner-" + i.ToString(CultureInfo.InvariantCulture), states,
                ImmutableDictionary<string, ImmutableList<string>>.Empty, null, FacetEffect.None));
        return new TruthPolicy("bench", 300, facets,
            [new Expectation(new FacetCondition("facet-0", "s1"), new ExpectationTarget("facet-1", "s1", null), TimeSpan.FromMinutes(10), "PT10M")],
            [new OutcomeRule("succeeded", Enumerable.Range(0, Facets).ToImmutableDictionary(i => "facet-" + i.ToString(CultureInfo.InvariantCulture), _ => ImmutableList.Create("s4")))]);
    }

    // Mostly owners reporting their facets with sequences. Every fifth signal is an observer's claim on
    // a rotating facet, one in three lagging behind the owner (divergences start and end); every 50th a
    // redelivery of an earlier signal (a duplicate), every 50th a retry of an earlier report under a new
    // signal id, and every 100th an owner report that arrives after a newer one (stale).
    internal static List<ReceiveSignal> Workload()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var commands = new List<ReceiveSignal>(Signals);
        for (var i = 0; i < Signals; i++)
        {
            var at = start.AddMilliseconds(i * 10L);
            if (i % 50 == 49)
            {
                commands.Add(commands[i / 2] with { ReceivedAt = at });
                continue;
            }

            if (i % 50 == 23)
            {
                var earlier = commands[i - 10];
                commands.Add(earlier with { Signal = earlier.Signal with { SignalId = "retry-" + Text(i) }, ReceivedAt = at });
                continue;
            }

            var observer = i % 5 == 4;
            var facet = observer ? (i / 5) % Facets : i % Facets;
            var state = "s" + Text(observer ? ObservedState(i, facet) : OwnerState(i));
            var source = observer ? "observer-" + Text(i % 3) : "owner-" + Text(facet);
            var sequence = i % 100 == 61 ? i - 20 : i;
            var signal = new Signal("bench-op", "bench", "sig-" + Text(i), "facet-" + Text(facet), state, at, sequence, null, null, null, null);
            commands.Add(new ReceiveSignal(signal, source, at, 1, null));
        }

        return commands;
    }

    // Owners report each facet every tenth signal and move it on every fifth report (s0..s4, round and round).
    private static int OwnerState(int i) => (i / (Facets * 5)) % 5;

    // What an observer sees of a facet: the owner's latest state, one claim in three still the state before it.
    private static int ObservedState(int i, int facet)
    {
        var ownerLatest = i - ((((i - facet) % Facets) + Facets) % Facets);
        var lag = (i / 5) % 3 == 0 ? 4 : 0;
        return (OwnerState(ownerLatest) + lag) % 5;
    }

    private static string Text(int i) => i.ToString(CultureInfo.InvariantCulture);
}
