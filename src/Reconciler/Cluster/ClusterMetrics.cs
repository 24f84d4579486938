using System.Diagnostics.Metrics;
using Reconciler.Telemetry;

namespace Reconciler.Cluster;

/// <summary>Lease counters on the product's meter.</summary>
public static class ClusterMetrics
{
    public static readonly Counter<long> LeasesAcquired = ReconcilerTelemetry.Meter.CreateCounter<long>("reconciler.leases.acquired", description: "Leases this server took");
    public static readonly Counter<long> LeasesLost = ReconcilerTelemetry.Meter.CreateCounter<long>("reconciler.leases.lost", description: "Leases this server lost to another (or to silence)");
    public static readonly Counter<long> FencedWrites = ReconcilerTelemetry.Meter.CreateCounter<long>("reconciler.leases.fenced_writes", description: "Writes refused because their lease had been taken over");
}
