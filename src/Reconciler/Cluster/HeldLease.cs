using Reconciler.Store.Cluster;

namespace Reconciler.Cluster;

/// <summary>
/// A lease this server holds. <see cref="Lost"/> is cancelled the moment the keeper learns (or must assume)
/// that it is gone; the job stops then. Writes carry <see cref="Fence"/> regardless, so a job that has not
/// noticed yet is refused by the database instead.
/// </summary>
public sealed class HeldLease
{
    private readonly CancellationTokenSource _lost = new();

    internal HeldLease(string name, long epoch, LeaseFence fence, DateTimeOffset acquiredAt)
    {
        Name = name;
        Epoch = epoch;
        Fence = fence;
        AcquiredAt = acquiredAt;
    }

    public string Name { get; }
    public long Epoch { get; }
    public LeaseFence Fence { get; }
    public DateTimeOffset AcquiredAt { get; }

    public CancellationToken Lost => _lost.Token;
    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>When this server last confirmed it (monotonic clock); past it plus the TTL the lease must be assumed lost.</summary>
    internal long ConfirmedAt { get; set; }

    internal void MarkLost() => _lost.Cancel();
}
