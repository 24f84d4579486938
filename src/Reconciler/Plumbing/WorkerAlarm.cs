namespace Reconciler.Plumbing;

/// <summary>
/// Wakes this server's <typeparamref name="TWorker"/> at once when work for it is asked for here (a backtest, a run of
/// re-judging); other servers notice within their poll. One singleton per worker type.
/// </summary>
public sealed class WorkerAlarm<TWorker>
{
    private readonly SemaphoreSlim _ring = new(0, 1);

    public void Ring()
    {
        try
        {
            if (_ring.CurrentCount == 0)
            {
                _ring.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already ringing: one wake-up is as good as two.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _ring.WaitAsync(timeout, ct);
}
