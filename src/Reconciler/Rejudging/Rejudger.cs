using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Store.Cluster;
using Reconciler.Store.Rejudging;
using Reconciler.Store.Sources;
using Reconciler.Store.Writing;
using Reconciler.Telemetry;

namespace Reconciler.Rejudging;

/// <summary>What one page of a run did: how many conflicts it looked at, re-judged, and signals it judged again; whether the run ended.</summary>
public sealed record RejudgedPage(int Examined, int Rejudged, int Signals, bool Ended);

/// <summary>
/// One page of a run of re-judging on the one write path: the next open unmodeled conflicts of the run's type (from the
/// conflicts projection) and the signals they may hold are read, then their operations are locked and loaded, a
/// <see cref="RejudgeConflict"/> under the run's policy version is decided for each, and the events and the run's progress
/// commit together under the worker's lease. The core decides nothing for a conflict judged before, so a page run twice
/// (a crash before its commit, a takeover) judges nothing twice.
/// </summary>
public sealed partial class Rejudger(RejudgingStore runs, UnmodeledConflicts conflicts, OperationWriter writer, SourceMonitor sources, RejudgeOptions options,
    TimeProvider clock, ILogger<Rejudger> logger)
{
    private static readonly Counter<long> SignalsRejudged = ReconcilerTelemetry.Meter.CreateCounter<long>(
        "reconciler.rejudge.signals", description: "Stored signals judged again under a newer policy version, by operation type and judgement");
    private static readonly Counter<long> ConflictsModeled = ReconcilerTelemetry.Meter.CreateCounter<long>(
        "reconciler.rejudge.conflicts", description: "Unmodeled conflicts closed as modeled-by-policy, by operation type");
    private static readonly ConcurrentDictionary<string, long> Pending = new(StringComparer.Ordinal);
    private static readonly TimeSpan PendingEvery = TimeSpan.FromSeconds(15);
    private readonly Dictionary<string, DateTimeOffset> _pendingReadAt = new(StringComparer.Ordinal);

    static Rejudger() => ReconcilerTelemetry.Meter.CreateObservableGauge("reconciler.rejudge.pending",
        () => Pending.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("operation_type", p.Key))),
        description: "Open unmodeled conflicts a run of re-judging has still to look at, by operation type (on the server running it)");

    public async Task<RejudgedPage> RunPageAsync(RejudgingRun run, LeaseFence fence, CancellationToken ct)
    {
        var page = await conflicts.PageAsync(run, options.PageSize, ct);
        if (page.Count == 0)
        {
            await runs.FinishAsync(run, fence, ct);
            Pending.TryRemove(run.OperationType, out _);
            _pendingReadAt.Remove(run.OperationType);
            LogFinished(logger, run.OperationType, run.PolicyVersion);
            return new RejudgedPage(0, 0, 0, true);
        }

        var held = await conflicts.SignalsAsync([.. page.Select(c => c.ConflictId)], ct);
        // A deadline the re-judging lets pass first is judged, like any other, with what the engine knows of the sources.
        var watch = await sources.WatchAsync(ct);
        var decided = new List<OperationEvent>();
        var superseded = false;
        var scope = new WriteScope([.. page.Select(c => c.OperationId).Distinct(StringComparer.Ordinal)], [run.OperationType], Fence: fence,
            Alongside: async (connection, transaction, token) => superseded = superseded
                || !await RejudgingStore.AdvanceAsync(connection, transaction, run, page[^1].ConflictId, page.Count, Rejudged(decided), decided.OfType<SignalRejudged>().Count(), token));
        await writer.WriteAsync(scope, batch =>
        {
            // A retried unit decides again from what it loads.
            decided.Clear();
            superseded = batch.LatestPolicyVersion(run.OperationType) != run.PolicyVersion;
            if (superseded)
            {
                return 0;
            }
            foreach (var conflict in page)
            {
                var command = new RejudgeConflict(conflict.ConflictId, held.GetValueOrDefault(conflict.ConflictId) ?? [], batch.Now, run.PolicyVersion) { Sources = watch };
                decided.AddRange(batch.Decide(conflict.OperationId, run.OperationType, run.PolicyVersion, command, EventMetadata.None).Events);
            }
            return page.Count;
        }, ct);

        if (superseded)
        {
            LogSuperseded(logger, run.OperationType, run.PolicyVersion);
            Pending.TryRemove(run.OperationType, out _);
            return new RejudgedPage(0, 0, 0, true);
        }
        Count(run.OperationType, decided);
        await ReadPendingAsync(run.OperationType, ct);
        return new RejudgedPage(page.Count, Rejudged(decided), decided.OfType<SignalRejudged>().Count(), false);
    }

    // Counting what is pending walks the index of open unmodeled conflicts: not after every page of a large backlog.
    private async Task ReadPendingAsync(string operationType, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_pendingReadAt.TryGetValue(operationType, out var readAt) && now - readAt < PendingEvery)
        {
            return;
        }
        _pendingReadAt[operationType] = now;
        if (await runs.ProgressAsync(operationType, ct) is { } progress)
        {
            Pending[operationType] = progress.Pending;
        }
    }

    // Conflicts re-judged: one of their signals judged again, or closed because the version names what they lacked.
    private static int Rejudged(List<OperationEvent> decided) =>
        decided.Select(e => e switch
        {
            SignalRejudged r => r.ConflictId,
            ConflictResolved { Resolution: Resolutions.ModeledByPolicy } c => c.ConflictId,
            _ => null,
        }).Where(id => id is not null).Distinct(StringComparer.Ordinal).Count();

    private static void Count(string operationType, List<OperationEvent> decided)
    {
        foreach (var e in decided)
        {
            switch (e)
            {
                case SignalRejudged r:
                    SignalsRejudged.Add(1, new TagList { { "operation_type", operationType }, { "judgement", r.Judgement } });
                    break;
                case ConflictResolved { Resolution: Resolutions.ModeledByPolicy }:
                    ConflictsModeled.Add(1, new KeyValuePair<string, object?>("operation_type", operationType));
                    break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-judging of {OperationType} under policy version {PolicyVersion} ended")]
    private static partial void LogFinished(ILogger logger, string operationType, int policyVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-judging of {OperationType} under policy version {PolicyVersion} stopped: a newer version superseded it")]
    private static partial void LogSuperseded(ILogger logger, string operationType, int policyVersion);
}
