namespace Reconciler.Webhooks;

/// <summary>Wakes the webhook worker at once when an admin changes a subscription on this server (others notice within a second).</summary>
public sealed class WebhookAlarm
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
            // Already ringing.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _ring.WaitAsync(timeout, ct);
}
