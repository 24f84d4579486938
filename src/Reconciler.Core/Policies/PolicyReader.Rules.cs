using System.Collections.Immutable;
using System.Text.Json;

namespace Reconciler.Core.Policies;

public static partial class PolicyReader
{
    private static readonly string[] ExpectationProperties = ["when", "expect", "within"];
    private static readonly string[] ConditionProperties = ["facet", "state"];
    private static readonly string[] TargetProperties = ["facet", "state", "outcome"];
    private static readonly string[] OutcomeProperties = ["outcome", "when", "requireMatches"];

    private static ImmutableList<Expectation> ReadExpectations(
        PolicyReading reading, Dictionary<string, JsonElement> root, FacetTable facets, IReadOnlyList<string> producible)
    {
        var result = ImmutableList.CreateBuilder<Expectation>();
        foreach (var (item, path) in Items(reading, root, "expectations"))
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                reading.Add(path, $"must be an object with 'when', 'expect' and 'within', not {PolicyReading.Kind(item)}");
                continue;
            }
            var properties = reading.Properties(item, path, ExpectationProperties);
            var when = ReadCondition(reading, properties, path, facets);
            var expect = ReadTarget(reading, properties, path, facets, producible);
            var within = ReadWithin(reading, properties, path);
            if (when is not null && expect is not null && within is not null)
            {
                result.Add(new Expectation(when, expect, within.Value.Duration, within.Value.Text));
            }
        }
        return result.ToImmutable();
    }

    private static FacetCondition? ReadCondition(PolicyReading reading, Dictionary<string, JsonElement> properties, string path, FacetTable facets)
    {
        var at = PolicyReading.Child(path, "when");
        if (!properties.TryGetValue("when", out var when))
        {
            reading.Add(at, "is required: the facet state that starts the clock, e.g. { \"facet\": \"payment\", \"state\": \"captured\" }");
            return null;
        }
        if (when.ValueKind != JsonValueKind.Object)
        {
            reading.Add(at, $"must be an object with 'facet' and 'state', not {PolicyReading.Kind(when)}");
            return null;
        }
        var fields = reading.Properties(when, at, ConditionProperties);
        var facet = reading.String(fields, "facet", at, "name a facet");
        var state = reading.String(fields, "state", at, "name a state of the facet");
        return CheckFacetState(reading, at, facet, state, facets) ? new FacetCondition(facet!, state!) : null;
    }

    private static ExpectationTarget? ReadTarget(
        PolicyReading reading, Dictionary<string, JsonElement> properties, string path, FacetTable facets, IReadOnlyList<string> producible)
    {
        var at = PolicyReading.Child(path, "expect");
        if (!properties.TryGetValue("expect", out var expect))
        {
            reading.Add(at, "is required: what must follow, either { \"facet\": …, \"state\": … } or { \"outcome\": … }");
            return null;
        }
        if (expect.ValueKind != JsonValueKind.Object)
        {
            reading.Add(at, $"must be an object, either {{ \"facet\", \"state\" }} or {{ \"outcome\" }}, not {PolicyReading.Kind(expect)}");
            return null;
        }
        var fields = reading.Properties(expect, at, TargetProperties);
        var namesFacet = fields.ContainsKey("facet") || fields.ContainsKey("state");
        var namesOutcome = fields.ContainsKey("outcome");
        if (namesFacet && namesOutcome)
        {
            reading.Add(at, "names both a facet and an outcome: expect either { \"facet\", \"state\" } or { \"outcome\" }");
            return null;
        }
        if (!namesFacet && !namesOutcome)
        {
            reading.Add(at, "names neither a facet nor an outcome: expect either { \"facet\", \"state\" } or { \"outcome\" }");
            return null;
        }
        if (namesOutcome)
        {
            var outcome = reading.String(fields, "outcome", at, "name an outcome");
            if (outcome is null)
            {
                return null;
            }

            if (!producible.Contains(outcome))
            {
                reading.Add(PolicyReading.Child(at, "outcome"), $"no outcome rule produces '{outcome}' {PolicyReading.Known(producible)}");
                return null;
            }
            return new ExpectationTarget(null, null, outcome);
        }
        var facet = reading.String(fields, "facet", at, "name a facet");
        var state = reading.String(fields, "state", at, "name a state of the facet");
        return CheckFacetState(reading, at, facet, state, facets) ? new ExpectationTarget(facet, state, null) : null;
    }

    /// <summary>Checks that a named facet and state exist; missing names were reported already.</summary>
    private static bool CheckFacetState(PolicyReading reading, string path, string? facet, string? state, FacetTable facets)
    {
        if (facet is null)
        {
            return false;
        }

        var declared = facets.Find(facet);
        if (declared is null)
        {
            reading.Add(PolicyReading.Child(path, "facet"), $"unknown facet '{facet}' {PolicyReading.Known(facets.Keys)}");
            return false;
        }
        if (state is null)
        {
            return false;
        }
        // A facet whose states could not be read was reported already; do not blame every reference to it.
        if (!declared.States.IsEmpty && !declared.States.Contains(state))
        {
            reading.Add(PolicyReading.Child(path, "state"), $"unknown state '{state}' of facet '{facet}' {PolicyReading.Known(declared.States)}");
            return false;
        }
        return true;
    }

    private static (TimeSpan Duration, string Text)? ReadWithin(PolicyReading reading, Dictionary<string, JsonElement> properties, string path) =>
        ReadDuration(reading, properties, path, "within", "an ISO-8601 duration such as PT10M");

    /// <summary>A required, positive ISO-8601 duration at <paramref name="path"/>.<paramref name="name"/>.</summary>
    private static (TimeSpan Duration, string Text)? ReadDuration(
        PolicyReading reading, Dictionary<string, JsonElement> properties, string path, string name, string required)
    {
        var at = PolicyReading.Child(path, name);
        var text = reading.String(properties, name, path, required);
        if (text is null)
        {
            return null;
        }

        var example = name == "within" ? "PT10M" : "P1D";
        if (!IsoDuration.TryParse(text, out var duration))
        {
            reading.Add(at, $"'{text}' is not an ISO-8601 duration (e.g. {example})");
            return null;
        }
        if (duration <= TimeSpan.Zero)
        {
            reading.Add(at, $"'{text}' must be a positive duration (e.g. {example})");
            return null;
        }
        return (duration, text);
    }

    private static ImmutableList<OutcomeRule> ReadOutcomes(
        PolicyReading reading, Dictionary<string, JsonElement> root, FacetTable facets, ImmutableList<AttributeMatch> matches)
    {
        var result = ImmutableList.CreateBuilder<OutcomeRule>();
        foreach (var (item, path) in Items(reading, root, "outcomes"))
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                reading.Add(path, $"must be an object with 'outcome' and 'when', not {PolicyReading.Kind(item)}");
                continue;
            }
            var properties = reading.Properties(item, path, OutcomeProperties);
            var outcome = reading.String(properties, "outcome", path, "name the outcome this rule declares, e.g. 'succeeded'");
            if (outcome is not null && !PolicyReading.NamePattern().IsMatch(outcome))
            {
                reading.Add(PolicyReading.Child(path, "outcome"), $"'{outcome}' is not a valid outcome name: {PolicyReading.NameRule}");
                outcome = null;
            }
            var when = ReadRuleConditions(reading, properties, path, facets);
            var requireMatches = ReadFlag(reading, properties, path, "requireMatches");
            if (requireMatches && when is not null && !ComparesAttributes(when.Keys, facets, matches))
            {
                reading.Add(PolicyReading.Child(path, "requireMatches"),
                    $"no facet of this rule ({string.Join(", ", when.Keys.Order(StringComparer.Ordinal))}) declares attributes or takes part in a match: declare 'attributes', or leave requireMatches out");
            }

            if (outcome is not null && when is not null)
            {
                result.Add(new OutcomeRule(outcome, when) { RequireMatches = requireMatches });
            }
        }
        return result.ToImmutable();
    }

    private static ImmutableDictionary<string, ImmutableList<string>>? ReadRuleConditions(
        PolicyReading reading, Dictionary<string, JsonElement> properties, string path, FacetTable facets)
    {
        var at = PolicyReading.Child(path, "when");
        if (!properties.TryGetValue("when", out var when))
        {
            reading.Add(at, "is required: map each facet to the states it must be in, e.g. { \"payment\": [\"captured\"] }");
            return null;
        }
        if (when.ValueKind != JsonValueKind.Object)
        {
            reading.Add(at, $"must be an object mapping each facet to the states it must be in, not {PolicyReading.Kind(when)}");
            return null;
        }
        var before = reading.Count;
        var conditions = ImmutableDictionary.CreateBuilder<string, ImmutableList<string>>(StringComparer.Ordinal);
        foreach (var property in when.EnumerateObject())
        {
            var facetPath = PolicyReading.Child(at, property.Name);
            if (conditions.ContainsKey(property.Name))
            {
                reading.Add(facetPath, $"repeats the condition on facet '{property.Name}': list its states once");
                continue;
            }
            var declared = facets.Find(property.Name);
            if (declared is null)
            {
                reading.Add(facetPath, $"unknown facet '{property.Name}' {PolicyReading.Known(facets.Keys)}");
            }

            var states = StringArray(reading, property.Value, facetPath, "states");
            if (states is null)
            {
                continue;
            }

            if (states.Count == 0)
            {
                reading.Add(facetPath, "is empty: list at least one state the facet must be in");
            }

            foreach (var (state, index) in states)
            {
                if (declared is not null && !declared.States.IsEmpty && !declared.States.Contains(state))
                {
                    reading.Add(PolicyReading.Index(facetPath, index), $"unknown state '{state}' {PolicyReading.Known(declared.States)}");
                }
            }
            conditions[property.Name] = [.. states.Select(s => s.Value).Distinct(StringComparer.Ordinal)];
        }
        if (conditions.Count == 0 && reading.Count == before)
        {
            reading.Add(at, "has no conditions: name at least one facet and its states (a rule without conditions would always match)");
        }

        return reading.Count == before ? conditions.ToImmutable() : null;
    }

    /// <summary>An optional boolean; false when absent or wrong (wrong is reported).</summary>
    private static bool ReadFlag(PolicyReading reading, Dictionary<string, JsonElement> properties, string path, string name)
    {
        if (!properties.TryGetValue(name, out var value))
        {
            return false;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        reading.Add(PolicyReading.Child(path, name), $"must be true or false, not {PolicyReading.Kind(value)}");
        return false;
    }

    private static bool ComparesAttributes(IEnumerable<string> ruleFacets, FacetTable facets, ImmutableList<AttributeMatch> matches) =>
        ruleFacets.Any(f => facets.Find(f) is { Attributes.IsEmpty: false } || matches.Any(m => m.Facets.Contains(f)));

    /// <summary>The items of an optional top-level array with their paths; a missing array is empty.</summary>
    private static IEnumerable<(JsonElement Item, string Path)> Items(PolicyReading reading, Dictionary<string, JsonElement> root, string name)
    {
        if (!root.TryGetValue(name, out var array))
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            reading.Add(name, $"must be an array, not {PolicyReading.Kind(array)}");
            return [];
        }
        return array.EnumerateArray().Select((item, index) => (item, PolicyReading.Index(name, index))).ToList();
    }
}
