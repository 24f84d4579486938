using System.Collections.Immutable;

namespace Reconciler.Core.Policies;

/// <summary>
/// A declared truth policy for one operation type: which source owns which facet, which states and
/// moves exist, how long sources may disagree, what must follow what, and how the outcome is named.
/// </summary>
public sealed record TruthPolicy(
    string OperationType,
    int GraceSeconds,
    ImmutableDictionary<string, FacetPolicy> Facets,
    ImmutableList<Expectation> Expectations,
    ImmutableList<OutcomeRule> Outcomes)
{
    /// <summary>The facet names in declaration order. <see cref="Facets"/> is a dictionary and keeps
    /// no order, so the reader records it here; empty (the default) means "no declared order".</summary>
    public ImmutableList<string> FacetOrder { get; init; } = [];

    /// <summary>Cross-facet attribute rules (<c>matches</c>), in declaration order.</summary>
    public ImmutableList<AttributeMatch> Matches { get; init; } = [];

    /// <summary>How long an outcome must stay agreed and unchanged to become final; null: outcomes never become final.</summary>
    public TimeSpan? FinalAfter { get; init; }

    /// <summary>The policy's spelling of <see cref="FinalAfter"/> (kept when written back).</summary>
    public string? FinalAfterText { get; init; }

    /// <summary>How many resolvers a resolution needs (four-eyes: 2), by resolution; a resolution not listed needs one.</summary>
    public ImmutableDictionary<string, int> Approvals { get; init; } = ImmutableDictionary<string, int>.Empty;

    public int ApprovalsFor(string resolution) => Approvals.GetValueOrDefault(resolution, 1);

    /// <summary>More conflicts of one kind than this within a minute is a storm (null: the default, 500).</summary>
    public int? StormThreshold { get; init; }

    public const int DefaultStormThreshold = 500;

    public int StormThresholdOrDefault => StormThreshold ?? DefaultStormThreshold;

    /// <summary>Rules per source (by source name): when it counts as silent.</summary>
    public ImmutableDictionary<string, SourcePolicy> Sources { get; init; } = ImmutableDictionary<string, SourcePolicy>.Empty;

    /// <summary>Who answers for the conflicts and for an operation that does not finish (<c>accountability</c>).</summary>
    public AccountabilityPolicy Accountability { get; init; } = AccountabilityPolicy.None;

    /// <summary>Every facet name once: those in <see cref="FacetOrder"/> first, then any others in ordinal order.</summary>
    public IEnumerable<string> FacetNames =>
        FacetOrder.Where(Facets.ContainsKey).Distinct(StringComparer.Ordinal)
            .Concat(Facets.Keys.Where(name => !FacetOrder.Contains(name)).Order(StringComparer.Ordinal));

    /// <summary>True when both policies say the same thing (dictionaries compared by content, lists by order).</summary>
    public bool SameContentAs(TruthPolicy other) => PolicyContent.AreEqual(this, other);

    public FacetPolicy? FindFacet(string facet) => Facets.GetValueOrDefault(facet);

    /// <summary>The grace window of a facet: its own when set, else the policy's.</summary>
    public TimeSpan GraceFor(string facet) =>
        TimeSpan.FromSeconds(FindFacet(facet)?.GraceSeconds ?? GraceSeconds);

    /// <summary>True when some outcome rule holds only while its facets' attributes agree.</summary>
    public bool RequiresMatches
    {
        get
        {
            // A loop, not LINQ: asked at the end of every decision, and a policy is a record that `with` copies, so nothing is cached.
            for (var i = 0; i < Outcomes.Count; i++)
            {
                if (Outcomes[i].RequireMatches)
                {
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>One part of reality the policy names. <c>Owner</c> null means nobody is authoritative.</summary>
public sealed record FacetPolicy(
    string? Owner,
    ImmutableList<string> States,
    ImmutableDictionary<string, ImmutableList<string>> Transitions,
    int? GraceSeconds,
    FacetEffect Effect)
{
    public bool HasTransitions => !Transitions.IsEmpty;

    /// <summary>The attributes this facet declares, in declaration order.</summary>
    public ImmutableList<DeclaredAttribute> Attributes { get; init; } = [];

    public DeclaredAttribute? FindAttribute(string name)
    {
        for (var i = 0; i < Attributes.Count; i++)
        {
            if (Attributes[i].Name == name)
            {
                return Attributes[i];
            }
        }

        return null;
    }

    /// <summary>True when the policy allows moving from <paramref name="from"/> to <paramref name="to"/>.
    /// A facet without transitions allows every move; a state without an entry has no way out.</summary>
    public bool Allows(string from, string to) =>
        from == to || !HasTransitions || (Transitions.TryGetValue(from, out var next) && next.Contains(to));
}

/// <summary><c>Once</c>: the facet is a real-world side effect that must happen at most once (a charge, an email).</summary>
public enum FacetEffect
{
    None,
    Once,
}

/// <summary>When <c>When</c> holds, <c>Expect</c> must hold within <c>Within</c>.</summary>
public sealed record Expectation(FacetCondition When, ExpectationTarget Expect, TimeSpan Within, string WithinText);

public sealed record FacetCondition(string Facet, string State);

/// <summary>Either a facet state (<c>Facet</c> and <c>State</c>) or an outcome (<c>Outcome</c>).</summary>
public sealed record ExpectationTarget(string? Facet, string? State, string? Outcome)
{
    public bool IsOutcome => Outcome is not null;
}

/// <summary>The outcome named when every facet listed is in one of its listed states (agreed, owner-backed or overridden);
/// with <c>RequireMatches</c>, only while no <c>attribute-mismatch</c> is open on those facets.</summary>
public sealed record OutcomeRule(string Outcome, ImmutableDictionary<string, ImmutableList<string>> When)
{
    public bool RequireMatches { get; init; }
}

/// <summary>A source is silent when nothing (no signal, no heartbeat) came from it for longer than <c>SilentAfter</c>.</summary>
public sealed record SourcePolicy(TimeSpan SilentAfter, string SilentAfterText);
