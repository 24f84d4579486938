using System.Diagnostics;
using Reconciler.Cluster;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.Storms;
using Reconciler.Store;
using Reconciler.Store.Cluster;
using Reconciler.Store.Feed;
using Reconciler.Store.Policies;
using Reconciler.Store.Storms;
using Reconciler.Telemetry;

namespace Reconciler.Storms;

/// <summary>
/// The one conflict-storm guard of the cluster (the server holding the <see cref="LeaseName"/> lease): it follows the feed's
/// <c>ConflictOpened</c> events from its checkpoint, lets the core's <see cref="StormGuard"/> judge them and the time, and saves each
/// step (system events, storm rows, checkpoint) in one transaction fenced by its lease. On its very first run it starts at the
/// end of the feed: storms are about now. The windows of a resumed guard start empty; lasting storms are resumed from their rows.
/// </summary>
public sealed class StormWatcher(
    LeaseKeeper keeper, FeedReader feed, EventStore events, StormStore storms, PolicyStore policies, TimeProvider clock,
    ILogger<StormWatcher> logger) : LeasedWorker(LeaseName, keeper, clock, logger)
{
    public const string LeaseName = "storms";
    private const int PageSize = 1000;
    private static readonly string[] Watched = ["ConflictOpened"];
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PolicyRefresh = TimeSpan.FromSeconds(5);
    // A cursor that moved past nothing the guard decided on is saved at most this often: saving it after every commit
    // doubled the fsync'd transactions of one-signal requests. A guard resumed from it re-reads at most this much.
    private static readonly TimeSpan QuietSaveEvery = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, (int Threshold, DateTimeOffset ReadAt)> _thresholds = new(StringComparer.Ordinal);

    protected override async Task LeadAsync(HeldLease lease, CancellationToken stoppingToken)
    {
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
        var state = await storms.ResumeAsync(stoppingToken);
        var checkpoint = await storms.CheckpointAsync(stoppingToken);
        var cursor = checkpoint ?? await events.GetEndCursorAsync(stoppingToken);
        var saved = checkpoint is not null;
        var savedAt = Clock.GetUtcNow();
        while (!leading.IsCancellationRequested)
        {
            var page = await feed.ReadAsync(cursor, PageSize, Watched, Wait, leading.Token);
            var decided = new List<SystemEvent>();
            var starts = new Dictionary<string, FeedCursor>(StringComparer.Ordinal);
            foreach (var e in page.Events)
            {
                var opened = (ConflictOpened)EventCodec.Deserialize(e.Type, e.Data);
                var observed = new ConflictObserved(e.OperationType, opened.Kind, [.. opened.Sources], opened.At,
                    await ThresholdAsync(e.OperationType, stoppingToken));
                (state, var step) = StormGuard.Step(state, observed, StormRules.Default);
                foreach (var started in step.OfType<ConflictStormStarted>())
                {
                    starts[started.StormId] = e.Cursor;
                }
                decided.AddRange(step);
            }
            (state, var timed) = StormGuard.Step(state, new StormClock(Clock.GetUtcNow()), StormRules.Default);
            decided.AddRange(timed);
            if (decided.Count > 0 || !saved || page.Next != cursor && Clock.GetUtcNow() - savedAt >= QuietSaveEvery)
            {
                saved = true;
                savedAt = Clock.GetUtcNow();
                // Not cancelled by a lost lease: the fence in the transaction is what refuses a write that came too late.
                await storms.SaveAsync(decided, state, starts, page.Next, lease.Fence, stoppingToken);
            }
            cursor = page.Next;
            if (decided.Count > 0)
            {
                Count(decided); // the unit of work has woken the feed's readers
            }
        }
    }

    private static void Count(IEnumerable<SystemEvent> decided)
    {
        foreach (var e in decided)
        {
            switch (e)
            {
                case ConflictStormStarted s:
                    var tags = new TagList { { "operation_type", s.OperationType }, { "kind", s.Kind } };
                    ReconcilerTelemetry.StormsStarted.Add(1, tags);
                    ReconcilerTelemetry.StormsActive.Add(1, tags);
                    break;
                case ConflictStormEnded s:
                    ReconcilerTelemetry.StormsActive.Add(-1, new TagList { { "operation_type", s.OperationType }, { "kind", s.Kind } });
                    break;
            }
        }
    }

    // The newest policy's threshold, read again every few seconds (a policy change applies within them).
    private async Task<int> ThresholdAsync(string operationType, CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        if (_thresholds.TryGetValue(operationType, out var known) && now - known.ReadAt < PolicyRefresh)
        {
            return known.Threshold;
        }
        var threshold = (await policies.GetAsync(operationType, null, ct))?.Policy.StormThresholdOrDefault ?? TruthPolicy.DefaultStormThreshold;
        _thresholds[operationType] = (threshold, now);
        return threshold;
    }
}
