using System.Collections.Concurrent;
using Npgsql;
using Reconciler.Store.Cluster;

namespace Reconciler.Cluster;

/// <summary>
/// This server's membership of the cluster: it registers the node at start, and every
/// <see cref="LeaseTiming.RenewEvery"/> beats its heart and renews every lease it holds in one round trip.
/// A lease that did not renew was taken over: its <see cref="HeldLease.Lost"/> fires and its job stops. When
/// the database cannot be reached, a lease is assumed lost once a TTL has passed since it was last confirmed
/// (counted from before the confirming statement was sent, so never later than the database's expiry).
/// At a clean stop (after the jobs, which stop first) it gives back what it still holds and leaves.
/// </summary>
public sealed partial class LeaseKeeper(
    ClusterBeat beat, NodeIdentity node, LeaseTable leases, NodeTable nodes, TimeProvider clock, ILogger<LeaseKeeper> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, HeldLease> _held = new(StringComparer.Ordinal);
    private long _fencedWrites;

    public NodeIdentity Node => node;

    /// <summary>Nodes that beat their heart lately, this one included (at least 1).</summary>
    public int LiveNodes { get; private set; } = 1;

    /// <summary>Writes the database refused because the lease they carried had been taken over, since start.</summary>
    public long FencedWrites => Interlocked.Read(ref _fencedWrites);

    public IReadOnlyCollection<HeldLease> Held => [.. _held.Values.OrderBy(l => l.Name, StringComparer.Ordinal)];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RegisterAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Takes <paramref name="name"/> when no live server holds it; null otherwise.</summary>
    public async Task<HeldLease?> TryAcquireAsync(string name, CancellationToken ct)
    {
        if (_held.TryGetValue(name, out var mine) && !mine.IsLost)
        {
            return mine;
        }
        var sentAt = clock.GetTimestamp();
        if (await leases.TryAcquireAsync(name, node.Name, LeaseTiming.LeaseTtl, ct) is not { } epoch)
        {
            return null;
        }
        var lease = new HeldLease(name, epoch, new LeaseFence(name, node.Name, epoch, LeaseTiming.LeaseTtl), clock.GetUtcNow()) { ConfirmedAt = sentAt };
        _held[name] = lease;
        ClusterMetrics.LeasesAcquired.Add(1);
        LogAcquired(logger, name, epoch);
        return lease;
    }

    /// <summary>Gives a lease back (its job stopped, or moves to another node); another server may take it at once.</summary>
    public async Task ReleaseAsync(HeldLease lease, CancellationToken ct)
    {
        if (!_held.TryRemove(new KeyValuePair<string, HeldLease>(lease.Name, lease)))
        {
            return;
        }
        lease.MarkLost();
        try
        {
            await leases.ReleaseAsync(node.Name, [(lease.Name, lease.Epoch)], ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            // It expires on its own within a TTL.
        }
    }

    /// <summary>A job's write was refused by the fence: counted, and the lease is dropped here too.</summary>
    public void Refused(LeaseLostException refused)
    {
        Interlocked.Increment(ref _fencedWrites);
        ClusterMetrics.FencedWrites.Add(1);
        LogRefused(logger, refused.Lease, refused.Epoch, refused.Message);
        if (_held.TryGetValue(refused.Lease, out var lease) && lease.Epoch == refused.Epoch && _held.TryRemove(new KeyValuePair<string, HeldLease>(lease.Name, lease)))
        {
            lease.MarkLost();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(LeaseTiming.RenewEvery, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RenewAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var held = _held.Values.ToList();
        _held.Clear();
        foreach (var lease in held)
        {
            lease.MarkLost();
        }
        try
        {
            await leases.ReleaseAsync(node.Name, [.. held.Select(l => (l.Name, l.Epoch))], cancellationToken);
            await nodes.LeaveAsync(node.Name, node.Instance, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            LogLeaveFailed(logger, e);
        }
    }

    private async Task RenewAsync(CancellationToken ct)
    {
        var held = _held.Values.Where(l => !l.IsLost).ToList();
        var sentAt = clock.GetTimestamp();
        try
        {
            var (registered, live, renewed) = await beat.BeatAsync(
                node.Name, node.Instance, [.. held.Select(l => (l.Name, l.Epoch))], LeaseTiming.NodeLiveWithin, LeaseTiming.LeaseTtl, ct);
            LiveNodes = Math.Max(1, live);
            foreach (var lease in held)
            {
                if (renewed.Contains(lease.Name))
                {
                    lease.ConfirmedAt = sentAt;
                }
                else
                {
                    Lose(lease, "another server took it over");
                }
            }
            if (!registered)
            {
                // Our row is gone or belongs to another instance: we were taken for dead. Register again (or say why not).
                LogReplaced(logger, node.Name);
                await RegisterOnceAsync(ct);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or NodeNameInUseException)
        {
            LogRenewFailed(logger, e);
            foreach (var lease in held.Where(l => clock.GetElapsedTime(l.ConfirmedAt) >= LeaseTiming.LeaseTtl))
            {
                Lose(lease, "it could not be renewed within its time to live");
            }
        }
    }

    private void Lose(HeldLease lease, string why)
    {
        if (_held.TryRemove(new KeyValuePair<string, HeldLease>(lease.Name, lease)))
        {
            lease.MarkLost();
            ClusterMetrics.LeasesLost.Add(1);
            LogLost(logger, lease.Name, lease.Epoch, why);
        }
    }

    /// <summary>Registers the node; while its name's last owner may still be alive (a crash a moment ago) it waits for that heartbeat to go stale.</summary>
    private async Task RegisterAsync(CancellationToken ct)
    {
        var until = clock.GetUtcNow() + LeaseTiming.NodeLiveWithin + LeaseTiming.LeaseTtl;
        while (true)
        {
            try
            {
                await RegisterOnceAsync(ct);
                return;
            }
            catch (NodeNameInUseException) when (clock.GetUtcNow() < until)
            {
                await Task.Delay(LeaseTiming.RenewEvery, clock, ct);
            }
        }
    }

    private Task RegisterOnceAsync(CancellationToken ct) => nodes.RegisterAsync(node.Name, node.Instance, node.Address, LeaseTiming.NodeLiveWithin, ct);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lease {Lease} acquired (epoch {Epoch})")]
    private static partial void LogAcquired(ILogger logger, string lease, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {Lease} (epoch {Epoch}) lost: {Why}; its job stops here")]
    private static partial void LogLost(ILogger logger, string lease, long epoch, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A write under lease {Lease} (epoch {Epoch}) was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string lease, long epoch, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew leases; retrying")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Node {Node} was taken for dead by the cluster; registering again")]
    private static partial void LogReplaced(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not give back leases or leave the cluster cleanly; they expire on their own")]
    private static partial void LogLeaveFailed(ILogger logger, Exception exception);
}
