using System.Collections.Immutable;

namespace Reconciler.Core.Policies;

/// <summary>Content equality for policies. The records hold immutable collections, whose own
/// equality is by reference, so record equality cannot tell two equal policies apart.</summary>
public static class PolicyContent
{
    public static bool AreEqual(TruthPolicy a, TruthPolicy b) =>
        a.OperationType == b.OperationType
        && a.GraceSeconds == b.GraceSeconds
        && a.FacetNames.SequenceEqual(b.FacetNames)
        && a.Facets.All(f => b.Facets.TryGetValue(f.Key, out var other) && AreEqual(f.Value, other))
        && a.Expectations.SequenceEqual(b.Expectations)
        && a.Outcomes.Count == b.Outcomes.Count
        && a.Outcomes.Zip(b.Outcomes).All(pair => pair.First.Outcome == pair.Second.Outcome && SameLists(pair.First.When, pair.Second.When)
            && pair.First.RequireMatches == pair.Second.RequireMatches)
        && a.Matches.Count == b.Matches.Count
        && a.Matches.Zip(b.Matches).All(pair => pair.First.Attribute == pair.Second.Attribute && pair.First.Facets.SequenceEqual(pair.Second.Facets)
            && pair.First.Tolerance == pair.Second.Tolerance)
        && a.FinalAfter == b.FinalAfter
        && (a.FinalAfter is null || a.FinalAfterText == b.FinalAfterText)
        && a.Approvals.Count == b.Approvals.Count && a.Approvals.All(x => b.Approvals.TryGetValue(x.Key, out var n) && n == x.Value)
        && a.StormThreshold == b.StormThreshold
        && a.Sources.Count == b.Sources.Count && a.Sources.All(x => b.Sources.TryGetValue(x.Key, out var other) && other == x.Value)
        && a.Accountability.SameContentAs(b.Accountability);

    public static bool AreEqual(FacetPolicy a, FacetPolicy b) =>
        a.Owner == b.Owner
        && a.States.SequenceEqual(b.States)
        && SameLists(a.Transitions, b.Transitions)
        && a.GraceSeconds == b.GraceSeconds
        && a.Effect == b.Effect
        && a.Attributes.SequenceEqual(b.Attributes);

    private static bool SameLists(ImmutableDictionary<string, ImmutableList<string>> a, ImmutableDictionary<string, ImmutableList<string>> b) =>
        a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var other) && entry.Value.SequenceEqual(other));
}
