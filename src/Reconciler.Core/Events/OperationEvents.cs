using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Reconciler.Core.Events;

/// <summary>
/// An event of an operation's stream. Events are the storage format: add new types, never edit old ones.
/// <c>At</c> is engine time (receive time, tick time or resolution time), never a source clock.
/// </summary>
public abstract record OperationEvent
{
    public required DateTimeOffset At { get; init; }
    public required int PolicyVersion { get; init; }
}

/// <summary>
/// A signal appended to the stream and how it was judged. <c>Applied</c> false means recorded only
/// (retry, stale, unmodeled). <c>Role</c>: owner, non-owner or unowned. <c>Judgement</c>: the row of the
/// judging table that matched (<c>fresh</c> when none of the conflict rows did).
/// </summary>
public sealed record SignalReceived(
    string OperationId,
    string OperationType,
    string Source,
    string SignalId,
    string Facet,
    string State,
    DateTimeOffset? ObservedAt,
    long? SourceSequence,
    string? EffectKey,
    string? AttributesJson,
    string? CorrelationId,
    string? CausationId,
    string ContentHash,
    bool Applied,
    string Role,
    string Judgement) : OperationEvent;

/// <summary>
/// A signal recorded as <c>unmodeled</c> (its facet or state not named by the policy) judged again under a newer policy
/// version (<c>PolicyVersion</c>) that names it, exactly as a signal arriving at <c>At</c>, with its own observation time
/// and source sequence. <c>ConflictId</c> is the unmodeled conflict that held it; <c>ReceivedVersion</c>, <c>ReceivedAt</c>
/// and <c>ReceivedPolicyVersion</c> name the original receipt (its <see cref="SignalReceived"/>); the signal's fields are
/// those it was received with; <c>Applied</c>, <c>Role</c> and <c>Judgement</c> are the new judgement.
/// </summary>
public sealed record SignalRejudged(
    string ConflictId,
    long ReceivedVersion,
    DateTimeOffset ReceivedAt,
    int ReceivedPolicyVersion,
    string OperationId,
    string OperationType,
    string Source,
    string SignalId,
    string Facet,
    string State,
    DateTimeOffset? ObservedAt,
    long? SourceSequence,
    string? EffectKey,
    string? AttributesJson,
    string? CorrelationId,
    string? CausationId,
    string ContentHash,
    bool Applied,
    string Role,
    string Judgement) : OperationEvent;

/// <summary>A second delivery of the same (source, signalId): never applied. <c>SameContent</c> false is an idempotency violation.</summary>
public sealed record SignalDuplicated(
    string OperationId,
    string OperationType,
    string Source,
    string SignalId,
    string Facet,
    string State,
    DateTimeOffset? ObservedAt,
    long? SourceSequence,
    string? EffectKey,
    string? AttributesJson,
    string? CorrelationId,
    string? CausationId,
    string ContentHash,
    string OriginalContentHash,
    bool SameContent) : OperationEvent;

/// <summary>
/// A conflict opened (or reopened: <c>Occurrence</c> &gt; 1). <c>States</c> are the states compared;
/// <c>CauseSource</c>/<c>CauseSignalId</c> name the signal that led to it (none for deadline conflicts).
/// <c>Differences</c> say exactly what differs (null in events written before they existed).
/// </summary>
public sealed record ConflictOpened(
    string ConflictId,
    string Kind,
    string Severity,
    string? Facet,
    ImmutableList<string> Sources,
    ImmutableList<string> States,
    int Occurrence,
    string Detail,
    int? ExpectationIndex,
    string? CauseSource,
    string? CauseSignalId) : OperationEvent
{
    public ImmutableList<Difference>? Differences { get; init; }

    /// <summary>For a <c>missing</c> conflict: why the signal is missing (see <see cref="DeadlinePassed.Cause"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Cause { get; init; }

    /// <summary>The team the policy's <c>accountability</c> gives it (by kind, else facet, else owner); null when it names none
    /// and in events written before accountability existed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Assignee { get; init; }

    /// <summary>When it is overdue if still open: <c>At</c> plus the policy's <c>resolveWithin</c> for its severity; null when there is none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? DueBy { get; init; }
}

/// <summary>A conflict closed: converged, absorbed, or by an operator (accepted, overridden, compensated, dismissed).
/// <c>ApprovedBy</c>: the second resolver of a four-eyes resolution (null otherwise).</summary>
public sealed record ConflictResolved(
    string ConflictId,
    string Kind,
    string Resolution,
    string? ResolvedBy,
    string? Reason,
    double OpenSeconds,
    string? CauseSource,
    string? CauseSignalId) : OperationEvent
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApprovedBy { get; init; }
}

/// <summary>Two sources started to disagree on a facet; they may until <c>Due</c> (the grace window, engine time).
/// For an attribute-mismatch, <c>States</c> are the values compared, <c>Attribute</c> the attribute and, for a
/// cross-facet match, <c>Facets</c> the facets it compares (<c>Facet</c> is the first of them).</summary>
public sealed record DivergenceStarted(
    string ConflictId,
    string Kind,
    string Facet,
    ImmutableList<string> Sources,
    ImmutableList<string> States,
    DateTimeOffset Due,
    string CauseSource,
    string CauseSignalId) : OperationEvent
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Attribute { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImmutableList<string>? Facets { get; init; }
}

/// <summary>A divergence ended inside its grace window: the sources agree again.</summary>
public sealed record DivergenceEnded(string ConflictId, string Facet, string CauseSource, string CauseSignalId) : OperationEvent;

/// <summary>An expectation's trigger state was reached: its target must hold by <c>Due</c>.</summary>
public sealed record ExpectationArmed(
    int ExpectationIndex,
    string WhenFacet,
    string WhenState,
    string? ExpectFacet,
    string? ExpectState,
    string? ExpectOutcome,
    DateTimeOffset Due,
    string? CauseSource,
    string? CauseSignalId) : OperationEvent;

/// <summary>An armed expectation's target holds now (before or after its deadline).</summary>
public sealed record ExpectationMet(int ExpectationIndex, string? ExpectFacet, string? ExpectState, string? ExpectOutcome) : OperationEvent;

/// <summary>An armed expectation the current policy version no longer declares: its deadline is dropped unjudged.</summary>
public sealed record ExpectationWithdrawn(int ExpectationIndex, string Reason) : OperationEvent;

/// <summary>The engine observed a deadline pass (at <c>At</c>, the tick's time; it was due at <c>Due</c>).
/// <c>DeadlineKind</c>: grace or expectation; <c>Subject</c>: the conflict id of the divergence or the expectation index.
/// <c>Cause</c>: why the expected signal is missing (<c>source-silent</c>, <c>not-reported</c>), judged from the sources' activity when the
/// deadline passed and recorded here so that replays never judge it again; null when nothing more is known.</summary>
public sealed record DeadlinePassed(
    string DeadlineKind,
    string Subject,
    string? Facet,
    DateTimeOffset Due,
    int? ExpectationIndex) : OperationEvent
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Cause { get; init; }
}

/// <summary>The outcome changed. <c>RuleIndex</c> is the matching outcome rule (null for pending); <c>FacetStates</c>
/// the agreed facet states the rule rests on. <c>Finality</c>: provisional or agreed, as the deciding command left it
/// (null in events written before finality existed); <c>FinalAfter</c>: the policy's <c>finalAfter</c> (ISO-8601), how
/// long the outcome must stay agreed and unchanged to become final (null: never).</summary>
public sealed record OutcomeDeclared(
    string Outcome,
    string PreviousOutcome,
    int? RuleIndex,
    [property: JsonConverter(typeof(OrdinalKeyOrder))] ImmutableDictionary<string, string> FacetStates) : OperationEvent
{
    public string? Finality { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FinalAfter { get; init; }
}

/// <summary>A declared outcome (with the finality it had) is taken back; the next <see cref="OutcomeDeclared"/> says
/// what stands instead. <c>CausedBy</c>: <c>source/signalId</c>, <c>operator:identity</c> or <c>deadline</c>.</summary>
public sealed record OutcomeRetracted(string Outcome, string Finality, string Reason, string CausedBy) : OperationEvent;

/// <summary>An agreed outcome stayed agreed and unchanged until <c>Due</c>: it is final now (observed at <c>At</c>).</summary>
public sealed record OutcomeFinalized(string Outcome, int? RuleIndex, DateTimeOffset Due) : OperationEvent;

/// <summary>An operator resolved a conflict; an override becomes the facet's agreed truth (basis override). Under four-eyes
/// approval <c>ResolvedBy</c> proposed it and <c>ApprovedBy</c> approved it, with <c>ApprovalReason</c> (both null otherwise).</summary>
public sealed record OperatorResolved(
    string ConflictId,
    string Resolution,
    string Reason,
    string ResolvedBy,
    string? OverrideFacet,
    string? OverrideState) : OperationEvent
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApprovedBy { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApprovalReason { get; init; }
}

/// <summary>An operator proposed a resolution that the policy's <c>approvals</c> says needs a second resolver; it waits as the
/// conflict's pending resolution until another resolver approves or someone rejects it (or the conflict closes by itself).</summary>
public sealed record ResolutionProposed(
    string ConflictId,
    string Resolution,
    string Reason,
    string ProposedBy,
    string? OverrideFacet,
    string? OverrideState,
    int Approvals) : OperationEvent;

/// <summary>A pending resolution was turned down (by another resolver, or withdrawn by its proposer); the conflict stays open.</summary>
public sealed record ResolutionRejected(string ConflictId, string Resolution, string ProposedBy, string RejectedBy, string Reason) : OperationEvent;

/// <summary>A pending resolution no longer applies: the conflict closed without it (converged, absorbed). <c>Reason</c> says how it closed.</summary>
public sealed record ResolutionLapsed(string ConflictId, string Resolution, string ProposedBy, string Reason) : OperationEvent;
