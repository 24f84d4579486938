using System.Collections.Immutable;
using System.Text.Json;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>
/// Attribute agreement, after a claim changed: within a facet, each pair of sources whose latest claims both carry
/// a declared attribute (the owner against each other source, or every pair on an unowned facet); across facets,
/// each policy match the facet takes part in. Values apart by more than the tolerance start a divergence, whose
/// grace window ends in an <c>attribute-mismatch</c>; values that come within tolerance end it, or converge the conflict.
/// A pair where a side does not carry the attribute, or carries one that does not parse, changes nothing.
/// </summary>
internal static class AttributeReconciler
{
    /// <summary>A declared decimal or time attribute that does not parse: the signal is judged all the same, and an
    /// <c>unmodeled</c> conflict names the attribute and the value.</summary>
    public static void CheckParses(Decision d, FacetPolicy facetPolicy, Signal s, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(s.AttributesJson!);
        }
        catch (JsonException)
        {
            return;
        }

        using (document)
        {
            foreach (var attribute in facetPolicy.Attributes)
            {
                if (attribute.Type == AttributeType.Exact || AttributeValues.Find(document.RootElement, attribute.Name) is not { } value
                    || AttributeValues.Parses(attribute.Type, value))
                {
                    continue;
                }

                var type = PolicyReader.TypeName(attribute.Type);
                d.Open(ConflictKinds.Unmodeled, s.Facet, [source], [s.State],
                    $"'{source}' sent {attribute.Name}={Shown(value)} on '{s.Facet}', which is not a {type} value: it cannot be compared.",
                    [new Difference(attribute.Name, [new(source, value)])], discriminator: "attribute:" + attribute.Name);
            }
        }
    }

    public static void Reconcile(Decision d, TruthPolicy policy, string facetName)
    {
        // Cheap checks first: most policies compare no attributes at all, and this runs for every applied signal.
        if (policy.FindFacet(facetName) is { Attributes.IsEmpty: false } facetPolicy)
        {
            WithinFacet(d, policy, facetName, facetPolicy);
        }

        if (!policy.Matches.IsEmpty)
        {
            ReconcileMatches(d, policy, facetName);
        }
    }

    /// <summary>The matches <paramref name="facetName"/> takes part in (after a claim or an override on it).</summary>
    public static void ReconcileMatches(Decision d, TruthPolicy policy, string facetName)
    {
        foreach (var match in policy.Matches)
        {
            if (!match.Facets.Contains(facetName) || CompareMatch(d.State, policy, match) is not { } compared)
            {
                continue;
            }

            var id = d.IdFor(ConflictKinds.AttributeMismatch, match.Facets[0], compared.Sources, MatchDiscriminator(match));
            Apply(d, policy, id, match.Facets[0], match.Attribute, compared, match.Facets);
        }
    }

    private static void WithinFacet(Decision d, TruthPolicy policy, string facetName, FacetPolicy facetPolicy)
    {
        var claims = d.State.FacetOrEmpty(facetName).Claims;
        for (var i = 0; i < claims.Count; i++)
        {
            for (var j = i + 1; j < claims.Count; j++)
            {
                // An owner is compared with each other source; on an unowned facet every pair is.
                if (facetPolicy.Owner is { } owner && claims[i].Source != owner && claims[j].Source != owner)
                {
                    continue;
                }

                var (a, b) = string.CompareOrdinal(claims[i].Source, claims[j].Source) < 0 ? (claims[i], claims[j]) : (claims[j], claims[i]);
                foreach (var attribute in facetPolicy.Attributes)
                {
                    if (ComparePair(a, b, attribute) is { } compared)
                    {
                        var id = d.IdFor(ConflictKinds.AttributeMismatch, facetName, compared.Sources, AttributeDiscriminator(attribute.Name));
                        Apply(d, policy, id, facetName, attribute.Name, compared, null);
                    }
                }
            }
        }
    }

    private static void Apply(Decision d, TruthPolicy policy, string id, string facet, string attribute, Compared compared, ImmutableList<string>? facets)
    {
        if (compared.Result == Comparison.Agree)
        {
            FacetReconciler.End(d, id, facet);
        }
        else if (compared.Result == Comparison.Differ && !FacetReconciler.IsDiverging(d, id))
        {
            d.Add(new DivergenceStarted(id, ConflictKinds.AttributeMismatch, facet, compared.Sources, compared.Texts, d.At + policy.GraceFor(facet),
                d.CauseSource ?? "", d.CauseSignalId ?? "")
            {
                At = d.At,
                PolicyVersion = d.PolicyVersion,
                Attribute = attribute,
                Facets = facets,
            });
        }
    }

    /// <summary>A grace window of an attribute divergence passed: judged again as things stand now, it opens the conflict
    /// while the values still differ (a new policy version may have dropped the attribute or widened its tolerance).</summary>
    public static void PassGrace(Decision d, TruthPolicy policy, Divergence x)
    {
        Compared? compared;
        if (x.Facets is { } facets)
        {
            var match = policy.Matches.Find(m => m.Attribute == x.Attribute && m.Facets.SequenceEqual(facets));
            compared = match is null ? null : CompareMatch(d.State, policy, match);
        }
        else
        {
            var facet = d.State.FacetOrEmpty(x.Facet);
            var attribute = policy.FindFacet(x.Facet)?.FindAttribute(x.Attribute!);
            compared = attribute is null || x.Sources.Count != 2 || facet.ClaimOf(x.Sources[0]) is not { } a || facet.ClaimOf(x.Sources[1]) is not { } b
                ? null
                : ComparePair(a, b, attribute);
        }

        if (compared is not { Result: Comparison.Differ })
        {
            return;
        }

        var values = string.Join(", ", compared.Values.Select(v => $"{v.Key} {Shown(v.Json)}"));
        var apart = compared.Tolerance is { } t ? $"more than {t.Text} apart" : "not equal";
        var detail = x.Facets is null
            ? $"'{x.Attribute}' of '{x.Facet}' differs between {values}: {apart}, past the grace window."
            : $"'{x.Attribute}' differs across {string.Join(", ", x.Facets)}: {values}, {apart}, past the grace window.";
        d.Open(ConflictKinds.AttributeMismatch, x.Facet, x.Sources, compared.Texts, detail,
            [new Difference(x.Attribute!, compared.Values) { Tolerance = compared.Tolerance?.Text, Facets = x.Facets }],
            discriminator: x.Facets is null ? AttributeDiscriminator(x.Attribute!) : MatchDiscriminator(x.Attribute!, x.Facets));
    }

    private static Compared? ComparePair(SourceClaim a, SourceClaim b, DeclaredAttribute attribute)
    {
        if (AttributeValues.Find(a.AttributesJson, attribute.Name) is not { } x || AttributeValues.Find(b.AttributesJson, attribute.Name) is not { } y)
        {
            return null;
        }

        return new Compared(AttributeComparison.Compare(attribute.Type, attribute.Tolerance, x, y), [a.Source, b.Source],
            [new(a.Source, x), new(b.Source, y)], attribute.Tolerance);
    }

    /// <summary>The owners' claims on every facet of the match, when each facet has a counted state and its owner's
    /// latest claim carries the attribute; else null (the match does not apply yet).</summary>
    private static Compared? CompareMatch(OperationState state, TruthPolicy policy, AttributeMatch match)
    {
        if (policy.FindFacet(match.Facets[0])?.FindAttribute(match.Attribute) is not { } declared)
        {
            return null;
        }

        var values = ImmutableList.CreateBuilder<DifferenceValue>();
        var owners = new List<string>(match.Facets.Count);
        foreach (var facet in match.Facets)
        {
            var owner = policy.FindFacet(facet)?.Owner;
            var truth = state.FindFacet(facet);
            if (owner is null || truth?.CountedState is null || truth.ClaimOf(owner) is not { } claim
                || AttributeValues.Find(claim.AttributesJson, match.Attribute) is not { } value)
            {
                return null;
            }

            // Values are keyed by source; a source that owns two of the facets is told apart by the facet.
            values.Add(new DifferenceValue(owners.Contains(owner) ? $"{owner} ({facet})" : owner, value));
            owners.Add(owner);
        }

        var tolerance = match.Tolerance ?? declared.Tolerance;
        var result = Comparison.Agree;
        for (var i = 0; i < values.Count && result != Comparison.Incomparable; i++)
        {
            for (var j = i + 1; j < values.Count; j++)
            {
                var pair = AttributeComparison.Compare(declared.Type, tolerance, values[i].Json, values[j].Json);
                result = pair == Comparison.Incomparable ? pair : pair == Comparison.Differ ? Comparison.Differ : result;
                if (result == Comparison.Incomparable)
                {
                    break;
                }
            }
        }

        return new Compared(result, [.. owners.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], values.ToImmutable(), tolerance);
    }

    private static string AttributeDiscriminator(string attribute) => "attribute:" + attribute;

    private static string MatchDiscriminator(AttributeMatch match) => MatchDiscriminator(match.Attribute, match.Facets);

    private static string MatchDiscriminator(string attribute, ImmutableList<string> facets) => $"match:{attribute}:{string.Join(",", facets)}";

    // A value as a sentence shows it: a string's text, anything else its JSON, cut short.
    private static string Shown(string json)
    {
        var text = AttributeValues.Text(json);
        return text.Length > 60 ? text[..60] + "…" : text;
    }

    /// <summary>What comparing found: the result, the sources in order, each one's value (JSON), and the tolerance applied.</summary>
    private sealed record Compared(Comparison Result, ImmutableList<string> Sources, ImmutableList<DifferenceValue> Values, AttributeTolerance? Tolerance)
    {
        public ImmutableList<string> Texts => [.. Values.Select(v => AttributeValues.Text(v.Json))];
    }
}
