using Reconciler.Store.Cluster;

namespace Reconciler.Cluster;

/// <summary>A server sharing the database: <c>live</c> while its heartbeat is younger than the lease time to live, <c>stale</c> after, <c>left</c> once it stopped cleanly.</summary>
public sealed record NodeView(
    string Name, string Status, bool Self, string? Address, string Host, int Pid, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt,
    IReadOnlyList<string> Leases);

/// <summary>A lease: <c>free</c>, <c>held</c> by a node, or <c>expired</c> (its holder stopped renewing).</summary>
public sealed record LeaseView(string Name, string Status, string? Holder, long Epoch, DateTimeOffset? AcquiredAt, DateTimeOffset? ExpiresAt);

/// <summary>The servers sharing the database and which holds which lease (<c>GET /v1/cluster</c>, the console's "Nodes and leases").</summary>
public sealed record ClusterView(string Node, double LeaseTtlSeconds, IReadOnlyList<NodeView> Nodes, IReadOnlyList<LeaseView> Leases)
{
    /// <summary>The cluster as this server sees it; statuses come from the database's clock.</summary>
    public static async Task<ClusterView> ReadAsync(NodeTable nodes, LeaseTable leases, LeaseKeeper keeper, CancellationToken ct)
    {
        var nodeRows = await nodes.ListAsync(ct);
        var leaseRows = await leases.ListAsync(ct);
        var now = nodeRows.FirstOrDefault()?.Now ?? DateTimeOffset.UtcNow;
        var leaseViews = leaseRows.Select(l => new LeaseView(
            l.Name,
            l.Holder is null ? "free" : l.ExpiresAt > now ? "held" : "expired",
            l.Holder, l.Epoch, l.AcquiredAt, l.ExpiresAt)).ToList();
        var nodeViews = nodeRows.Select(n => new NodeView(
            n.Name,
            n.LeftAt is not null ? "left" : now - n.HeartbeatAt < LeaseTiming.NodeLiveWithin ? "live" : "stale",
            n.Name == keeper.Node.Name && n.Instance == keeper.Node.Instance,
            n.Address, n.Host, n.Pid, n.StartedAt, n.HeartbeatAt,
            [.. leaseViews.Where(l => l.Holder == n.Name && l.Status == "held").Select(l => l.Name)])).ToList();
        return new ClusterView(keeper.Node.Name, LeaseTiming.LeaseTtl.TotalSeconds, nodeViews, leaseViews);
    }
}


