using Reconciler.Plumbing;

namespace Reconciler.Webhooks;

/// <summary>
/// Wakes the webhook worker at once when an admin changes a subscription on this server (others notice within a
/// second), and counts those changes so a runner of this server reloads before its next attempt: a new secret or
/// URL applies from the moment the change was answered.
/// </summary>
public sealed class WebhookAlarm
{
    private readonly WorkerAlarm<WebhookWorker> _ring = new();
    private long _changes;

    /// <summary>How many admin changes this server has made so far.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>An admin changed a subscription (or its parked deliveries) here.</summary>
    public void Changed()
    {
        Interlocked.Increment(ref _changes);
        _ring.Ring();
    }

    public void Ring() => _ring.Ring();

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _ring.WaitAsync(timeout, ct);
}
