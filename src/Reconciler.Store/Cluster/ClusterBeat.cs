using Npgsql;

namespace Reconciler.Store.Cluster;

/// <summary>What one heartbeat learned: whether this node's row is still its own, how many nodes live, which leases it still holds.</summary>
public sealed record BeatResult(bool Registered, int LiveNodes, IReadOnlySet<string> Renewed);

/// <summary>A node's heartbeat in one round trip: its row touched, the live nodes counted and its leases renewed.</summary>
public sealed class ClusterBeat(NpgsqlDataSource dataSource)
{
    public async Task<BeatResult> BeatAsync(
        string node, Guid instance, IReadOnlyCollection<(string Name, long Epoch)> held, TimeSpan liveWithin, TimeSpan leaseTtl, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(NodeTable.HeartbeatCommand(node, instance));
        batch.BatchCommands.Add(NodeTable.CountLiveCommand(liveWithin));
        batch.BatchCommands.Add(LeaseTable.RenewCommand(node, held, leaseTtl));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var registered = await reader.ReadAsync(ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var live = reader.GetInt32(0);
        await reader.NextResultAsync(ct);
        var renewed = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            renewed.Add(reader.GetString(0));
        }
        return new BeatResult(registered, live, renewed);
    }
}
