using System.Collections.Immutable;
using Reconciler.Core.Events;

namespace Reconciler.Core.State;

/// <summary>
/// An explicit record that reality disagreed with itself. <c>OpenedAt</c> is the latest opening
/// (<c>FirstOpenedAt</c> the first); <c>EvidenceVersions</c> are the stream versions of the events that
/// opened and closed it; a reopened record counts <c>Occurrences</c>. <c>Differences</c> say exactly what differs,
/// as it stood when the record (last) opened.
/// </summary>
public sealed record ConflictRecord(
    string ConflictId,
    string Kind,
    string Severity,
    string? Facet,
    ImmutableList<string> Sources,
    DateTimeOffset OpenedAt,
    string Status,
    DateTimeOffset? ResolvedAt,
    string? Resolution,
    string? ResolvedBy,
    string? Reason,
    int Occurrences,
    ImmutableList<long> EvidenceVersions,
    ImmutableList<string> States,
    DateTimeOffset FirstOpenedAt,
    string Detail,
    int? ExpectationIndex)
{
    public const string Open = "open";
    public const string Resolved = "resolved";

    public bool IsOpen => Status == Open;

    public ImmutableList<Difference> Differences { get; init; } = [];

    /// <summary>Why a <c>missing</c> signal is missing: <c>source-silent</c> or <c>not-reported</c>; null when nothing more is known.</summary>
    public string? Cause { get; init; }

    /// <summary>A resolution proposed and waiting for a second resolver (four-eyes); null when none is.</summary>
    public PendingResolution? Pending { get; init; }

    /// <summary>The second resolver who approved the resolution that closed the record; null without four-eyes.</summary>
    public string? ApprovedBy { get; init; }

    /// <summary>The team that answers for it now: the policy's at opening, then as assigned or escalated; null when nobody is named.</summary>
    public string? Assignee { get; init; }

    /// <summary>Who handed it to <see cref="Assignee"/>, and why; both null while the assignee is the policy's or the escalation's.</summary>
    public string? AssignedBy { get; init; }

    public string? AssignReason { get; init; }

    /// <summary>When this occurrence is overdue if still open (its opening plus the policy's <c>resolveWithin</c>); null: no clock.</summary>
    public DateTimeOffset? DueBy { get; init; }

    /// <summary>The person who took this occurrence on, and when; cleared when it is handed to another team.</summary>
    public string? AcknowledgedBy { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>Out of the default queue until then (a filter for people; status and clock are unchanged), by whom and why.</summary>
    public DateTimeOffset? SnoozedUntil { get; init; }

    public string? SnoozedBy { get; init; }

    public string? SnoozeReason { get; init; }

    /// <summary>When the engine saw <see cref="DueBy"/> pass with this occurrence open; null while it is not overdue.</summary>
    public DateTimeOffset? OverdueAt { get; init; }

    /// <summary>When it was handed to the policy's <c>escalateTo</c> for being overdue; null when it was not.</summary>
    public DateTimeOffset? EscalatedAt { get; init; }

    public bool Overdue => OverdueAt is not null;

    /// <summary>The clock still runs: open, with a due time, not overdue yet.</summary>
    public bool AwaitsDue => IsOpen && DueBy is not null && OverdueAt is null;

    /// <summary>True when the conflict is about <paramref name="facet"/>: its facet, or one a cross-facet match compares.</summary>
    public bool Concerns(string facet)
    {
        if (Facet == facet)
        {
            return true;
        }

        foreach (var difference in Differences)
        {
            if (difference.Facets is { } facets && facets.Contains(facet))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A resolution an operator proposed (<c>ProposedBy</c>, at <c>ProposedAt</c>) that needs <c>Approvals</c> resolvers in all.</summary>
public sealed record PendingResolution(
    string Resolution, string Reason, string ProposedBy, DateTimeOffset ProposedAt, string? OverrideFacet, string? OverrideState, int Approvals);
