using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Reconciler.Telemetry;

/// <summary>The one <see cref="ActivitySource"/> and <see cref="Meter"/> of the product, both named <c>Reconciler</c>.</summary>
public static class ReconcilerTelemetry
{
    public const string Name = "Reconciler";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> SignalsJudged = Meter.CreateCounter<long>("reconciler.signals.judged", description: "Signals judged, by status");
    public static readonly Histogram<double> IngestDuration = Meter.CreateHistogram<double>("reconciler.ingest.duration", "ms", "Time to judge and commit one signals request");
    public static readonly Counter<long> StormsStarted = Meter.CreateCounter<long>("reconciler.conflict_storms.started", description: "Conflict storms raised, by operation type and kind");
    public static readonly UpDownCounter<long> StormsActive = Meter.CreateUpDownCounter<long>("reconciler.conflict_storms.active", description: "Conflict storms under way, by operation type and kind");
    public static readonly Counter<long> DeadlinesTicked = Meter.CreateCounter<long>("reconciler.deadlines.ticked", description: "Operations whose deadlines the worker let pass");
}
