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
