namespace Reconciler.Store.Replicas;

/// <summary>
/// Where the primary's WAL was over the last minute, one reading per check: a replica's lag is how long ago the primary
/// was where the replica has now replayed to. A replica level with the newest reading has no lag, whatever the time since
/// the primary last wrote (an idle primary does not make its replicas look late); one behind the oldest reading is at
/// least that far behind.
/// </summary>
internal sealed class PrimaryHistory
{
    private const int Capacity = 600;
    private readonly Queue<(DateTimeOffset At, ConsistencyToken Position)> _readings = new();
    private readonly Lock _gate = new();

    public void Add(DateTimeOffset at, ConsistencyToken position)
    {
        lock (_gate)
        {
            _readings.Enqueue((at, position));
            while (_readings.Count > Capacity)
            {
                _readings.Dequeue();
            }
        }
    }

    /// <summary>The lag of a replica that has replayed up to <paramref name="replayed"/>, at <paramref name="now"/>; null before any reading.</summary>
    public TimeSpan? LagAt(ConsistencyToken replayed, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_readings.Count == 0)
            {
                return null;
            }
            // The replica has everything up to the first reading it has not reached; it is as late as that reading's predecessor.
            DateTimeOffset? caughtUpWith = null;
            var oldest = _readings.Peek().At;
            foreach (var (at, position) in _readings)
            {
                if (replayed < position)
                {
                    var behindSince = caughtUpWith ?? oldest;
                    return now - behindSince < TimeSpan.Zero ? TimeSpan.Zero : now - behindSince;
                }
                caughtUpWith = at;
            }
            return TimeSpan.Zero;
        }
    }
}
