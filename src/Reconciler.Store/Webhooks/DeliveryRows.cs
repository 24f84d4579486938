using Reconciler.Store.Cluster;

namespace Reconciler.Store.Webhooks;

/// <summary>A subscription's <c>retry</c> settings as stored.</summary>
public sealed record RetrySettings(int MaxAttempts, TimeSpan InitialDelay, TimeSpan MaxDelay, TimeSpan MaxAge);

/// <summary>A subscription as the delivering server loads it: its secrets still sealed (the host opens them).</summary>
public sealed record StoredSubscription(
    int Id, string Name, string Url, string[]? Types, string[]? OperationTypes, string Status, RetrySettings Retry,
    byte[] Secret, byte[]? PreviousSecret, DateTimeOffset? PreviousSecretUntil, string SecretsKeyId, FeedCursor Checkpoint, int Revision);

/// <summary>One feed item to deliver: its place (position, operation, version) and the exact body every attempt sends.</summary>
public sealed record DeliveryItem(long Position, string OperationId, long Version, string Type, string Body);

/// <summary>The first waiting delivery of an operation (the only one of it that may be attempted).</summary>
public sealed record PendingHead(DeliveryItem Item, int Attempts, DateTimeOffset? FirstAttemptAt, DateTimeOffset NextAttemptAt);

/// <summary>A failed attempt as stored: retried at <paramref name="NextAttemptAt"/>, or parked when that is null.</summary>
public sealed record FailedAttempt(DeliveryItem Item, int Attempts, DateTimeOffset FirstAttemptAt, DateTimeOffset? NextAttemptAt, int? Status, string Error);

/// <summary>The subscription a runner delivers and the fence of its lease, carried by every delivery write.</summary>
public sealed record SubscriptionLease(int SubscriptionId, LeaseFence Fence);
