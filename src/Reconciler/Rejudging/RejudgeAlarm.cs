namespace Reconciler.Rejudging;

/// <summary>Wakes the re-judge worker of this server at once when a run starts here (other servers notice within a poll).</summary>
public sealed class RejudgeAlarm
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
