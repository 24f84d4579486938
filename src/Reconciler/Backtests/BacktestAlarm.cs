namespace Reconciler.Backtests;

/// <summary>Wakes this server's backtest worker at once when a backtest is asked for here (other servers notice within a poll).</summary>
public sealed class BacktestAlarm
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
