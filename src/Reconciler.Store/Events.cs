namespace Reconciler.Store;

/// <summary>An event to write; <paramref name="Data"/> and <paramref name="Metadata"/> are JSON text.</summary>
public sealed record EventToAppend(string Type, string Data, string? Metadata = null);

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

/// <summary>The events of one stream to append in a multi-stream append.</summary>
public sealed record StreamAppend(string StreamId, string OperationType, ExpectedVersion Expected, IReadOnlyList<EventToAppend> Events);

/// <summary>Positions are in version order; <see cref="NextVersion"/> is the stream's version after the append.</summary>
public sealed record AppendResult(string StreamId, long FirstPosition, long LastPosition, long NextVersion, IReadOnlyList<long> Positions);

/// <summary>A stream's header row.</summary>
public sealed record StreamInfo(string StreamId, string OperationType, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>"Signal <paramref name="SignalId"/> from <paramref name="Source"/> was recorded at <paramref name="Position"/> of <paramref name="OperationId"/>".</summary>
public sealed record SignalReceipt(string Source, string SignalId, string OperationId, long Position, string ContentHash);

/// <summary>The receipt now stored for a signal, and whether this call stored it (false: it was already there).</summary>
public sealed record ReceiptRecorded(SignalReceipt Stored, bool IsNew);

/// <summary>One page of the feed; <see cref="Next"/> is the cursor to pass as <c>after</c> next time.</summary>
public sealed record FeedPage(IReadOnlyList<RecordedEvent> Events, FeedCursor Next);

/// <summary>
/// The feed's safe point: events of transactions older than <see cref="SafeTransactionId"/> are
/// readable. A long open transaction (any database of the cluster) holds it back: see
/// <see cref="OldestTransactionAge"/>.
/// </summary>
public sealed record FeedHealth(ulong SafeTransactionId, ulong NextTransactionId, TimeSpan? OldestTransactionAge, long? OldestTransactionPid);
