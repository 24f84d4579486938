using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Reconciler.Core.Events;
using Reconciler.Store;
using Reconciler.Store.Projections;
using Reconciler.Store.Writing;

namespace Reconciler.Telemetry;

/// <summary>
/// The figures an operator alerts on that no single request knows: conflicts opened (counted as decisions
/// commit), open conflicts, feed lag and deadline lag (read from the database every
/// <see cref="OperationalReadingsOptions.Interval"/> and served to the gauges from the last reading, so a
/// metrics scrape never queries).
/// </summary>
public sealed class OperationalReadings : BackgroundService
{
    private static readonly Counter<long> ConflictsOpened = ReconcilerTelemetry.Meter.CreateCounter<long>(
        "reconciler.conflicts.opened", description: "Conflicts opened, by kind and severity");
    private static readonly Counter<long> OutcomesDeclared = ReconcilerTelemetry.Meter.CreateCounter<long>(
        "reconciler.outcomes.declared", description: "Outcomes declared, by outcome");

    private static readonly Counter<long> WritesShed = ReconcilerTelemetry.Meter.CreateCounter<long>(
        "reconciler.writes.shed", description: "Writes refused with 503 overloaded because the commit queue was full");
    private static readonly Histogram<int> UnitWrites = ReconcilerTelemetry.Meter.CreateHistogram<int>(
        "reconciler.commit.writes", description: "Requests' writes merged into one commit");
    private static readonly Histogram<int> UnitSignals = ReconcilerTelemetry.Meter.CreateHistogram<int>(
        "reconciler.commit.weight", description: "Signals (and other writes, one each) merged into one commit");

    private readonly EventStore _store;
    private readonly ILogger<OperationalReadings> _log;
    private readonly TimeSpan _interval;
    private Backlog _backlog = new([], null);
    private FeedHealth? _feed;

    public OperationalReadings(OperationWriter writer, GroupCommit commits, EventStore store, IOptions<OperationalReadingsOptions> options, ILogger<OperationalReadings> log)
    {
        _store = store;
        _log = log;
        _interval = options.Value.Interval;
        writer.EventCommitted += Count;
        commits.Shed += () => WritesShed.Add(1);
        commits.UnitCommitted += (writes, weight) =>
        {
            UnitWrites.Record(writes);
            UnitSignals.Record(weight);
        };
        ReconcilerTelemetry.Meter.CreateObservableGauge("reconciler.commit.queue", () => commits.QueuedWeight,
            description: "Signals (and other writes) waiting for a commit");
        ReconcilerTelemetry.Meter.CreateObservableGauge("reconciler.conflicts.open", ObserveOpenConflicts,
            description: "Open conflicts, by kind and severity (sampled)");
        ReconcilerTelemetry.Meter.CreateObservableGauge("reconciler.feed.lag.transactions",
            () => _feed is { } f ? (long)(f.NextTransactionId - f.SafeTransactionId) : 0L,
            description: "Transactions started but not yet readable on the feed (sampled)");
        ReconcilerTelemetry.Meter.CreateObservableGauge("reconciler.feed.lag.seconds",
            () => _feed?.OldestTransactionAge?.TotalSeconds ?? 0, "s", "Age of the oldest open transaction holding the feed's safe point back (sampled)");
        ReconcilerTelemetry.Meter.CreateObservableGauge("reconciler.deadlines.lag.seconds",
            () => _backlog.OldestDueDeadlineWait?.TotalSeconds ?? 0, "s", "How long the oldest due deadline has waited to be passed (sampled)");
    }

    /// <summary>The last reading of the backlog (empty until the first one).</summary>
    public Backlog Backlog => _backlog;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval);
        do
        {
            try
            {
                _backlog = await Backlog.ReadAsync(_store.DataSource, stoppingToken);
                _feed = await _store.GetFeedHealthAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.LogWarning("Could not read the backlog for the metrics: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static void Count(OperationEvent committed)
    {
        switch (committed)
        {
            case ConflictOpened opened:
                ConflictsOpened.Add(1, new("kind", opened.Kind), new("severity", opened.Severity));
                break;
            case OutcomeDeclared declared:
                OutcomesDeclared.Add(1, new KeyValuePair<string, object?>("outcome", declared.Outcome));
                break;
        }
    }

    private IEnumerable<Measurement<long>> ObserveOpenConflicts() =>
        _backlog.OpenConflicts.Select(c => new Measurement<long>(c.Count, new("kind", c.Kind), new("severity", c.Severity)));
}

public sealed class OperationalReadingsOptions
{
    /// <summary>How often the backlog is read (two indexed queries).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);
}
