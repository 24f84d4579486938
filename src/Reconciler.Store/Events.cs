namespace Reconciler.Store;

/// <summary>A committed event as stored. <see cref="Cursor"/> is its place in the feed.</summary>
public sealed record RecordedEvent(
    long Position,
    string StreamId,
    string OperationType,
    long Version,
    string Type,
    string Data,
    string? Metadata,
    DateTimeOffset RecordedAt,
    ulong TransactionId)
{
    public FeedCursor Cursor => new(TransactionId, Position);
}

/// <summary>A stream's header row.</summary>
public sealed record StreamInfo(string StreamId, string OperationType, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>One page of the feed; <see cref="Next"/> is the cursor to pass as <c>after</c> next time.</summary>
public sealed record FeedPage(IReadOnlyList<RecordedEvent> Events, FeedCursor Next);

/// <summary>
/// The feed's safe point: events of transactions older than <see cref="SafeTransactionId"/> are
/// readable. A long open writing transaction of this database holds it back (one in another database of the cluster
/// does not, see <c>Sql/SafePoint</c>): see <see cref="OldestTransactionAge"/>.
/// </summary>
public sealed record FeedHealth(ulong SafeTransactionId, ulong NextTransactionId, TimeSpan? OldestTransactionAge, long? OldestTransactionPid);
