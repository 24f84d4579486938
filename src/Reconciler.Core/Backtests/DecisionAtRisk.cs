namespace Reconciler.Core.Backtests;

/// <summary>
/// A decision people took (an <see cref="Events.OperatorResolved"/>: a resolution, an override, or one approved by a second
/// resolver) that would not stand under the candidate, with who decided, when and why. <c>Kind</c> is the conflict's kind
/// today; <c>Candidate</c> describes the conflict under the candidate (<c>kind status</c>), null when it would not be recorded.
/// </summary>
public sealed record DecisionAtRisk(
    string OperationId,
    string ConflictId,
    string Kind,
    string Decision,
    string Resolution,
    string DecidedBy,
    DateTimeOffset DecidedAt,
    string Reason,
    string Risk,
    string? Candidate)
{
    public string? ApprovedBy { get; init; }

    public string? ApprovalReason { get; init; }

    public string? OverrideFacet { get; init; }

    public string? OverrideState { get; init; }

    /// <summary>The order the summary lists decisions in: oldest first, then by operation and conflict.</summary>
    public static int Compare(DecisionAtRisk? a, DecisionAtRisk? b) =>
        a is null || b is null ? Comparer<object?>.Default.Compare(a, b)
        : a.DecidedAt != b.DecidedAt ? a.DecidedAt.CompareTo(b.DecidedAt)
        : string.CompareOrdinal(a.OperationId, b.OperationId) is var byOperation and not 0 ? byOperation
        : string.CompareOrdinal(a.ConflictId, b.ConflictId);
}

/// <summary>What kind of decision it was.</summary>
public static class Decisions
{
    /// <summary>Accepted, compensated or dismissed by one resolver.</summary>
    public const string Resolution = "resolution";

    /// <summary>An <c>overridden</c> resolution by one resolver: it set a facet's agreed state.</summary>
    public const string Override = "override";

    /// <summary>A resolution proposed by one resolver and approved by another (four-eyes).</summary>
    public const string Approval = "approval";
}

/// <summary>Why a decision would not stand under the candidate.</summary>
public static class DecisionRisks
{
    /// <summary>The candidate records no conflict with that id: there would have been nothing to decide.</summary>
    public const string ConflictNotRecorded = "conflict-not-recorded";

    /// <summary>The candidate records the conflict, but it was not open to the decision when it was taken: it had converged, opened
    /// later, or an earlier resolution of it was waiting for a second resolver.</summary>
    public const string ConflictNotOpen = "conflict-not-open";

    /// <summary>The override names a facet or state the candidate does not declare.</summary>
    public const string OverrideInvalid = "override-invalid";

    /// <summary>The candidate asks two resolvers for this resolution and one took it: it would wait as a proposal.</summary>
    public const string NeedsApproval = "needs-approval";

    /// <summary>The decision replays, but the conflict under the candidate differs (other states or sources, or another status now).</summary>
    public const string ConflictDiffers = "conflict-differs";
}
