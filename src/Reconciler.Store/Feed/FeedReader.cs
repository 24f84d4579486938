using Microsoft.Extensions.Hosting;

namespace Reconciler.Store.Feed;

/// <summary>
/// Reads the feed after a cursor, waiting up to a time for new events: woken by <see cref="FeedNotifier"/>
/// rather than a polling loop. A notification means "committed", but the feed's safe point may still be
/// held back by an older open transaction, so after one it re-reads a few times at short, growing
/// intervals; between notifications it re-reads only rarely (a safety net for a lost notification or a
/// blocking transaction that ended without writing events).
/// </summary>
public sealed class FeedReader(EventStore store, FeedNotifier notifier, TimeProvider clock, IHostApplicationLifetime lifetime)
{
    private static readonly TimeSpan[] Rechecks =
        [TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)];

    private static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A page of at most <paramref name="limit"/> events after <paramref name="after"/>; when there are
    /// none, waits up to <paramref name="wait"/> for some. The page's <c>Next</c> is never behind <paramref name="after"/>.
    /// </summary>
    public async Task<FeedPage> ReadAsync(FeedCursor after, int limit, IReadOnlyCollection<string>? types, TimeSpan wait, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + wait;
        var recheck = Rechecks.Length;
        while (true)
        {
            // Taken before the read: a notification that lands between the read and the wait still wakes us.
            var signal = notifier.NextSignal;
            var page = await store.ReadAllAsync(after, limit, types, ct);
            var remaining = deadline - clock.GetUtcNow();
            if (page.Events.Count > 0 || remaining <= TimeSpan.Zero || lifetime.ApplicationStopping.IsCancellationRequested)
            {
                return page;
            }
            after = page.Next;
            var pause = recheck < Rechecks.Length ? Rechecks[recheck] : SafetyNet;
            if (await WaitAsync(signal, pause < remaining ? pause : remaining, lifetime.ApplicationStopping, ct))
            {
                recheck = 0;
            }
            else if (recheck < Rechecks.Length)
            {
                recheck++;
            }
        }
    }

    /// <summary>True when <paramref name="signal"/> completed before <paramref name="pause"/> passed.
    /// A stopping server (<paramref name="stopping"/>) ends the wait early too.</summary>
    public static async Task<bool> WaitAsync(Task signal, TimeSpan pause, CancellationToken stopping, CancellationToken ct)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct, stopping);
        var delay = Task.Delay(pause, timer.Token);
        var first = await Task.WhenAny(signal, delay);
        await timer.CancelAsync();
        ct.ThrowIfCancellationRequested();
        return first == signal;
    }
}
