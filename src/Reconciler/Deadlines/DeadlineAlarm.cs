using Reconciler.Store.Writing;

namespace Reconciler.Deadlines;

/// <summary>Wakes the deadline worker early when a write set or moved a deadline, which may be earlier than the one it sleeps towards.</summary>
public sealed class DeadlineAlarm
{
    private readonly SemaphoreSlim _ring = new(0, 1);

    public DeadlineAlarm(OperationWriter writer) => writer.DeadlineSet += Ring;

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

    /// <summary>Waits until rung or until <paramref name="timeout"/>, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _ring.WaitAsync(timeout, ct);
}
