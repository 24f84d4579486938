using System.Text.Json;

namespace Reconciler.Webhooks;

/// <summary>How far a subscription trails the feed: matching committed events not passed yet, and the age of the oldest.</summary>
public sealed record SubscriptionLag(long Events, double Seconds);

/// <summary>The <c>retry</c> object as the API shows it (ISO-8601 durations).</summary>
public sealed record RetryView(int MaxAttempts, string InitialDelay, string MaxDelay, string MaxAge);

/// <summary>
/// A subscription as <c>GET /v1/subscriptions/{name}</c> shows it: never its secret. <paramref name="Secret"/> is set
/// only in the 201 answer that generated it. Absent <paramref name="Types"/>/<paramref name="OperationTypes"/> mean every type.
/// </summary>
public sealed record SubscriptionView(
    string Name, string Url, IReadOnlyList<string>? Types, IReadOnlyList<string>? OperationTypes, string Status, string? DisabledReason,
    string Checkpoint, SubscriptionLag Lag, long Delivered, long Failures, long Parked, long Pending,
    string? LastError, DateTimeOffset? LastErrorAt, DateTimeOffset? LastDeliveredAt, DateTimeOffset? FailingSince,
    RetryView Retry, DateTimeOffset? PreviousSecretUntil, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? Secret = null);

/// <summary>A delivery that exhausted its retries: the feed item it carries, its attempts and how the last one ended.</summary>
public sealed record ParkedDelivery(
    string EventId, JsonElement Item, int Attempts, int? LastStatus, string? LastError,
    DateTimeOffset? FirstAttemptAt, DateTimeOffset? LastAttemptAt, DateTimeOffset ParkedAt);

public sealed record ParkedPage(IReadOnlyList<ParkedDelivery> Items, string? Next);

/// <summary>Which parked deliveries to send again: all, some event ids, and/or those parked in [From, To].</summary>
public sealed record RedeliverySelection(IReadOnlyList<long>? Positions, DateTimeOffset? From, DateTimeOffset? To);
