using System.Text.Json;
using Reconciler.Store.Webhooks;

namespace Reconciler.Webhooks;

/// <summary>
/// Deliveries that exhausted their retries, as the admin endpoints show them (feed items, paged by event id), and sent
/// again on demand: the delivering server is woken and sends them ahead of new items.
/// </summary>
public sealed class ParkedDeliveries(SubscriptionTable subscriptions, ParkedDeliveryTable parked, WebhookAlarm alarm, TimeProvider clock)
{
    /// <summary>The subscription's id, or null when there is none of that name.</summary>
    public Task<int?> FindAsync(string name, CancellationToken ct) => subscriptions.FindAsync(name, ct);

    /// <summary>Up to <paramref name="limit"/> parked deliveries after the event at <paramref name="afterPosition"/>, in feed position order.</summary>
    public async Task<ParkedPage> ListAsync(int subscriptionId, long afterPosition, int limit, CancellationToken ct)
    {
        var items = new List<ParkedDelivery>();
        foreach (var row in await parked.ListAsync(subscriptionId, afterPosition, limit + 1, ct))
        {
            using var body = JsonDocument.Parse(row.Body);
            items.Add(new ParkedDelivery(FeedSource.EventId(row.Position), body.RootElement.Clone(), row.Attempts, row.LastStatus, row.LastError,
                row.FirstAttemptAt, row.LastAttemptAt, row.ParkedAt));
        }
        return items.Count > limit
            ? new ParkedPage(items[..limit], items[limit - 1].EventId)
            : new ParkedPage(items, null);
    }

    /// <summary>Sends the selected parked deliveries again; returns how many there were.</summary>
    public async Task<int> RedeliverAsync(int subscriptionId, RedeliverySelection selection, CancellationToken ct)
    {
        var count = await parked.RedeliverAsync(subscriptionId, selection.Positions, selection.From, selection.To, clock.GetUtcNow(), ct);
        alarm.Changed();
        return count;
    }
}
