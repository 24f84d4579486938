using System.Collections.Immutable;

namespace Reconciler.Core.Policies;

/// <summary>
/// Who answers for what goes wrong in an operation (the policy's <c>accountability</c>): the team a conflict is assigned to
/// (by its kind, else its facet, else the owner), how long each severity may stay open before it is overdue, who takes an
/// overdue conflict over, and how long an operation may go without a declared outcome before that is a conflict itself.
/// Every part is optional; <see cref="None"/> asks nothing of anyone.
/// </summary>
public sealed record AccountabilityPolicy
{
    public static AccountabilityPolicy None { get; } = new();

    /// <summary>The team that answers for the operation type: conflicts no other rule names, and <c>unfinished</c> ones.</summary>
    public string? Owner { get; init; }

    /// <summary>The team per facet, for conflicts about that facet.</summary>
    public ImmutableDictionary<string, string> Facets { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The team per conflict kind; it comes before the facet's team.</summary>
    public ImmutableDictionary<string, string> Kinds { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>How long a conflict of each severity may stay open before it is overdue; a severity not listed has no clock.</summary>
    public ImmutableDictionary<string, PolicyDuration> ResolveWithin { get; init; } = ImmutableDictionary<string, PolicyDuration>.Empty;

    /// <summary>The team an overdue conflict is handed to; null: it stays with its assignee.</summary>
    public string? EscalateTo { get; init; }

    /// <summary>How long after its first signal an operation may stay without a declared outcome; null: no limit.</summary>
    public PolicyDuration? FinishWithin { get; init; }

    public bool IsEmpty =>
        Owner is null && Facets.IsEmpty && Kinds.IsEmpty && ResolveWithin.IsEmpty && EscalateTo is null && FinishWithin is null;

    /// <summary>The team for a conflict: the one for its kind, else for its facet, else the owner (null when none is named).</summary>
    public string? AssigneeFor(string kind, string? facet) =>
        Kinds.TryGetValue(kind, out var byKind) ? byKind
        : facet is not null && Facets.TryGetValue(facet, out var byFacet) ? byFacet
        : Owner;

    /// <summary>When a conflict of <paramref name="severity"/> opened at <paramref name="openedAt"/> is due; null when the severity has no clock.</summary>
    public DateTimeOffset? DueBy(string severity, DateTimeOffset openedAt) =>
        ResolveWithin.TryGetValue(severity, out var within) ? openedAt + within.Duration : null;

    /// <summary>True when both say the same thing (dictionaries compared by content).</summary>
    public bool SameContentAs(AccountabilityPolicy other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Owner == other.Owner
            && EscalateTo == other.EscalateTo
            && FinishWithin == other.FinishWithin
            && Same(Facets, other.Facets)
            && Same(Kinds, other.Kinds)
            && Same(ResolveWithin, other.ResolveWithin);
    }

    private static bool Same<T>(ImmutableDictionary<string, T> a, ImmutableDictionary<string, T> b) =>
        a.Count == b.Count && a.All(x => b.TryGetValue(x.Key, out var y) && EqualityComparer<T>.Default.Equals(x.Value, y));
}

/// <summary>A positive duration as the policy spells it (<c>Text</c>, kept when written back).</summary>
public sealed record PolicyDuration(TimeSpan Duration, string Text);
