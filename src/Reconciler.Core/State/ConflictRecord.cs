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
