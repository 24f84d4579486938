using Reconciler.Core.Events;

namespace Reconciler.Core.Judging;

/// <summary>A signal as a source sent it (the server fills it from the HTTP body, or an inbound mapping from the
/// source's own delivery). <see cref="Origin"/> says which mapping made it; it is kept in the events' metadata and is
/// no part of the signal's content (a delivery replayed under a newer mapping is the same signal).</summary>
public sealed record Signal(
    string OperationId,
    string OperationType,
    string SignalId,
    string Facet,
    string State,
    DateTimeOffset? ObservedAt,
    long? SourceSequence,
    string? EffectKey,
    string? AttributesJson,
    string? CorrelationId,
    string? CausationId)
{
    public SignalOrigin? Origin { get; init; }
}

/// <summary>
/// Where a mapped signal came from: the source's inbound mapping version, and the delivery (its id) or the import
/// and row number (1 = the first data row) it was read from.
/// </summary>
public sealed record SignalOrigin(int MappingVersion, long? DeliveryId, long? ImportId, long? Row);

/// <summary>An input to the decider. Time and ids always come in through commands. <see cref="Sources"/>: what the engine knew
/// of its sources then (null: nothing), read when a deadline the command lets pass finds a signal missing.</summary>
public abstract record Command
{
    public SourceWatch? Sources { get; init; }
}

/// <summary>
/// Judge one signal from <paramref name="Source"/>, received by the engine at <paramref name="ReceivedAt"/>.
/// <paramref name="KnownContentHash"/> is the content hash of the signal this source first sent under this
/// signal id (the receipts, which the caller keeps), or null when the id is new: a duplicate is told apart
/// by it, so the state needs no list of every signal seen. <paramref name="KnownSignal"/> is that first signal, when the
/// caller has it: an idempotency violation then says which fields changed (else only that the content hash did).
/// </summary>
public sealed record ReceiveSignal(Signal Signal, string Source, DateTimeOffset ReceivedAt, int PolicyVersion, string? KnownContentHash,
    Signal? KnownSignal = null) : Command;

/// <summary>The engine observes that time is now <paramref name="Now"/>: deadlines up to it pass.</summary>
public sealed record Tick(DateTimeOffset Now, int PolicyVersion) : Command;

/// <summary>An operator resolves a conflict: accepted, overridden, compensated or dismissed.</summary>
public sealed record ResolveConflict(
    string ConflictId,
    string Resolution,
    string Reason,
    string ResolvedBy,
    FacetOverride? Override,
    DateTimeOffset At,
    int PolicyVersion) : Command;

/// <summary>A second resolver approves the conflict's pending resolution (four-eyes); the proposer may not approve their own.</summary>
public sealed record ApproveResolution(string ConflictId, string Reason, string ApprovedBy, DateTimeOffset At, int PolicyVersion) : Command;

/// <summary>A resolver turns the conflict's pending resolution down (its proposer may withdraw it this way); the conflict stays open.</summary>
public sealed record RejectResolution(string ConflictId, string Reason, string RejectedBy, DateTimeOffset At, int PolicyVersion) : Command;

/// <summary>
/// Judge again, under policy version <paramref name="PolicyVersion"/> (newer than the one they were judged under), the signals
/// that the open <c>unmodeled</c> conflict <paramref name="ConflictId"/> holds: those recorded but not applied because the policy did
/// not name their facet or state. <paramref name="Signals"/> are the stored signals the caller read for it (the state says which
/// versions the conflict holds; others are ignored). A conflict about an unparsable attribute needs none: its record says which
/// value did not parse. Repeating the command decides nothing new.
/// </summary>
public sealed record RejudgeConflict(string ConflictId, IReadOnlyList<StoredSignal> Signals, DateTimeOffset At, int PolicyVersion) : Command;

/// <summary>A person (<paramref name="AcknowledgedBy"/>, the identity of their key) takes the open conflict on.</summary>
public sealed record AcknowledgeConflict(string ConflictId, string AcknowledgedBy, DateTimeOffset At, int PolicyVersion) : Command;

/// <summary>Keeps the open conflict out of the default queue until <paramref name="Until"/> (later than <paramref name="At"/>), for
/// <paramref name="Reason"/>; its status and its clock do not change.</summary>
public sealed record SnoozeConflict(string ConflictId, DateTimeOffset Until, string Reason, string SnoozedBy, DateTimeOffset At, int PolicyVersion)
    : Command;

/// <summary>Hands the open conflict to another team (<paramref name="Assignee"/>, a <em>name</em>), for <paramref name="Reason"/>.</summary>
public sealed record AssignConflict(string ConflictId, string Assignee, string Reason, string AssignedBy, DateTimeOffset At, int PolicyVersion)
    : Command;

/// <summary>A <see cref="SignalReceived"/> as stored: at stream version <paramref name="Version"/> of its operation.</summary>
public sealed record StoredSignal(long Version, SignalReceived Received);

/// <summary>The facet state an operator declares to be the agreed truth.</summary>
public sealed record FacetOverride(string Facet, string State);

/// <summary>A command the decider refuses; <see cref="Code"/> is a stable slug for problem details.</summary>
public sealed class CommandRejectedException(string code, string detail) : Exception(detail)
{
    public string Code { get; } = code;
}
