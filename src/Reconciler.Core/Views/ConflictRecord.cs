using System.Collections.Immutable;

namespace Reconciler.Core.Views;

/// <summary>
/// An explicit record that reality disagreed with itself. <c>OpenedAt</c> is the latest opening
/// (<c>FirstOpenedAt</c> the first); <c>EvidenceVersions</c> are the stream versions of the events that
/// opened and closed it; a reopened record counts <c>Occurrences</c>.
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
}
