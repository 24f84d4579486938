using Reconciler.Core.Policies;
using Reconciler.Store;
using Reconciler.Store.Webhooks;

namespace Reconciler.Webhooks;

/// <summary>
/// The admin side of subscriptions: create, read with status and lag, change, delete (rows in <see cref="SubscriptionTable"/>).
/// Secrets are sealed by <see cref="SecretBox"/> before they are written and never read back here. Every change rings
/// <see cref="WebhookAlarm"/>, so the delivering server reloads the subscription.
/// </summary>
public sealed class SubscriptionStore(SubscriptionTable table, SecretBox secrets, FeedSource feed, WebhookAlarm alarm, TimeProvider clock)
{
    /// <summary>How long the old secret is still sent after a rotation.</summary>
    public static readonly TimeSpan RotationOverlap = TimeSpan.FromHours(24);

    /// <summary>False when a subscription of that name exists.</summary>
    public async Task<bool> CreateAsync(NewSubscription subscription, string secret, FeedCursor checkpoint, CancellationToken ct)
    {
        var created = await table.CreateAsync(new SubscriptionInsert(
            subscription.Name, subscription.Url.OriginalString, subscription.Types, subscription.OperationTypes, subscription.Retry.Settings,
            secrets.Seal(secret, subscription.Name), secrets.KeyId, checkpoint), ct);
        alarm.Changed();
        return created;
    }

    public async Task<SubscriptionView?> GetAsync(string name, CancellationToken ct) => (await ReadAsync(name, ct)).FirstOrDefault();

    public Task<IReadOnlyList<SubscriptionView>> ListAsync(CancellationToken ct) => ReadAsync(null, ct);

    /// <summary>Applies a change; false when there is no such subscription. A new secret keeps the old one live for <see cref="RotationOverlap"/>.</summary>
    public async Task<bool> UpdateAsync(string name, SubscriptionChange change, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var updated = await table.UpdateAsync(name, new SubscriptionEdit(
            change.Url?.OriginalString, change.SetsTypes, change.Types, change.SetsOperationTypes, change.OperationTypes, change.Status,
            change.Secret is null ? null : secrets.Seal(change.Secret, name), secrets.KeyId, now + RotationOverlap, now), ct);
        alarm.Changed();
        return updated;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        var deleted = await table.DeleteAsync(name, ct);
        alarm.Changed();
        return deleted;
    }

    private async Task<IReadOnlyList<SubscriptionView>> ReadAsync(string? name, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var views = new List<SubscriptionView>();
        foreach (var row in await table.ReadAsync(name, ct))
        {
            var (events, oldest) = await feed.BacklogAsync(row.Checkpoint, row.Types, row.OperationTypes, ct);
            var retry = row.Retry;
            views.Add(new SubscriptionView(
                row.Name, row.Url, row.Types, row.OperationTypes, row.Status, row.DisabledReason, row.Checkpoint.Encode(),
                new SubscriptionLag(events, oldest is { } o && now > o ? Math.Round((now - o).TotalSeconds, 3) : 0),
                row.Delivered, row.Failures, row.Parked, row.Pending, row.LastError, row.LastErrorAt, row.LastDeliveredAt, row.FailingSince,
                new RetryView(retry.MaxAttempts, IsoDuration.Format(retry.InitialDelay), IsoDuration.Format(retry.MaxDelay), IsoDuration.Format(retry.MaxAge)),
                row.PreviousSecretUntil > now ? row.PreviousSecretUntil : null, row.CreatedAt, row.UpdatedAt));
        }
        return views;
    }
}
