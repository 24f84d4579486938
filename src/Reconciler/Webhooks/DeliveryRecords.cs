using Reconciler.Core.Storms;
using Reconciler.Store;
using Reconciler.Store.Webhooks;
using Reconciler.Storms;

namespace Reconciler.Webhooks;

/// <summary>What the delivering server needs of a subscription: where, which items, how to sign and retry, and from where.</summary>
public sealed record SubscriptionDefinition(
    int Id, string Name, Uri Url, IReadOnlyList<string>? Types, IReadOnlyList<string>? OperationTypes, string Status, RetryPolicy Retry,
    byte[] Key, byte[]? PreviousKey, DateTimeOffset? PreviousKeyUntil, FeedCursor Checkpoint, int Revision)
{
    /// <summary>The stored subscription with its secrets opened. Throws <see cref="SecretUnreadableException"/>.</summary>
    public static SubscriptionDefinition Open(StoredSubscription stored, SecretBox secrets)
    {
        var key = WebhookSecret.KeyBytes(secrets.Open(stored.Secret, stored.Name, stored.SecretsKeyId));
        var previous = stored.PreviousSecret is null ? null : WebhookSecret.KeyBytes(secrets.Open(stored.PreviousSecret, stored.Name, stored.SecretsKeyId));
        return new SubscriptionDefinition(stored.Id, stored.Name, new Uri(stored.Url), stored.Types, stored.OperationTypes, stored.Status,
            RetryPolicy.Of(stored.Retry), key, previous, stored.PreviousSecretUntil, stored.Checkpoint, stored.Revision);
    }

    /// <summary>The keys to sign with now: the current one, and the previous one during the 24 hours after a rotation.</summary>
    public IReadOnlyList<byte[]> KeysAt(DateTimeOffset now) =>
        PreviousKey is not null && PreviousKeyUntil > now ? [Key, PreviousKey] : [Key];

    /// <summary>The filters, applied before sending: an item that does not match only moves the checkpoint. A storm's events go
    /// to every subscription that would have had its conflicts: they stand in for the ConflictOpened items it holds.</summary>
    public bool Matches(RecordedEvent e) => StormHold.IsStormEvent(e.Type)
        ? (Types is null || Types.Contains(e.Type, StringComparer.Ordinal) || Types.Contains(StormHold.HeldType, StringComparer.Ordinal))
            && (OperationTypes is null || OperationTypes.Contains(StormHold.OperationTypeOf(e), StringComparer.Ordinal))
        : (Types is null || Types.Contains(e.Type, StringComparer.Ordinal))
            && (OperationTypes is null || OperationTypes.Contains(e.OperationType, StringComparer.Ordinal));

    /// <summary>The event types to read from the feed: the filter's, with the storm events when it takes ConflictOpened.</summary>
    public IReadOnlyList<string>? ReadTypes =>
        Types is null || !Types.Contains(StormHold.HeldType, StringComparer.Ordinal) ? Types : [.. Types.Union(SystemEventCodec.TypeNames, StringComparer.Ordinal)];
}

/// <summary>How one attempt ended. <paramref name="Status"/> is null when no answer came (timeout, refused).</summary>
public sealed record AttemptResult(bool Succeeded, int? Status, string? Error, TimeSpan? RetryAfter)
{
    public bool Gone => Status == 410;
}
