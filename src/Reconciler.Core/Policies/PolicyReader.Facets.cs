using System.Collections.Immutable;
using System.Text.Json;

namespace Reconciler.Core.Policies;

public static partial class PolicyReader
{
    private static FacetTable ReadFacets(PolicyReading reading, Dictionary<string, JsonElement> root)
    {
        var table = new FacetTable();
        if (!root.TryGetValue("facets", out var facets))
        {
            reading.Add("facets", "is required: declare at least one facet, e.g. { \"payment\": { \"owner\": \"payment-gateway\", \"states\": [\"captured\"] } }");
            return table;
        }
        if (facets.ValueKind != JsonValueKind.Object)
        {
            reading.Add("facets", $"must be an object mapping each facet name to its declaration, not {PolicyReading.Kind(facets)}");
            return table;
        }
        // Facet names are case-insensitive: 'Payment' and 'payment' would be two facets to the
        // engine but one part of reality to every reader of the policy.
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in facets.EnumerateObject())
        {
            var name = property.Name;
            var path = PolicyReading.Child("facets", name);
            if (seen.TryGetValue(name, out var first))
            {
                reading.Add(path, first == name ? $"duplicates facet '{first}'" : $"duplicates facet '{first}' (names are case-insensitive)");
                continue;
            }
            seen.Add(name, name);
            if (!PolicyReading.NamePattern().IsMatch(name))
            {
                reading.Add(path, $"'{name}' is not a valid facet name: {PolicyReading.NameRule}");
            }

            table.Add(name, ReadFacet(reading, property.Value, path));
        }
        if (seen.Count == 0)
        {
            reading.Add("facets", "declares no facets: declare at least one facet");
        }

        return table;
    }

    private static FacetRead ReadFacet(PolicyReading reading, JsonElement facet, string path)
    {
        if (facet.ValueKind != JsonValueKind.Object)
        {
            reading.Add(path, $"must be an object with 'owner' and 'states', not {PolicyReading.Kind(facet)}");
            return new FacetRead([], null);
        }
        var before = reading.Count;
        var properties = reading.Properties(facet, path, FacetProperties);
        var owner = ReadOwner(reading, properties, path);
        var states = ReadStates(reading, properties, path);
        var transitions = ReadTransitions(reading, properties, path, states);
        var grace = properties.TryGetValue("graceSeconds", out var g) ? reading.Seconds(g, PolicyReading.Child(path, "graceSeconds")) : null;
        var effect = ReadEffect(reading, properties, path);
        var (attributes, attributeNames) = ReadAttributes(reading, properties, path);
        var ok = reading.Count == before;
        return new FacetRead(states, ok ? new FacetPolicy(owner, states, transitions, grace, effect) { Attributes = attributes } : null)
        {
            Attributes = attributes,
            AttributeNames = attributeNames,
            HasOwner = owner is not null,
        };
    }

    private static string? ReadOwner(PolicyReading reading, Dictionary<string, JsonElement> properties, string path)
    {
        // Left out or null: the facet is unowned (nobody is authoritative for it).
        if (!properties.TryGetValue("owner", out var owner) || owner.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var at = PolicyReading.Child(path, "owner");
        if (owner.ValueKind != JsonValueKind.String)
        {
            reading.Add(at, $"must be a string naming the owning source, or null for an unowned facet, not {PolicyReading.Kind(owner)}");
            return null;
        }
        var text = owner.GetString()!;
        if (string.IsNullOrWhiteSpace(text) || text.Trim() != text)
        {
            reading.Add(at, $"'{text}' is not a source name: name the owning source (e.g. 'payment-gateway'), or use null for an unowned facet");
            return null;
        }
        return text;
    }

    private static ImmutableList<string> ReadStates(PolicyReading reading, Dictionary<string, JsonElement> properties, string path)
    {
        var at = PolicyReading.Child(path, "states");
        if (!properties.TryGetValue("states", out var states))
        {
            reading.Add(at, "is required: list the states this facet may take, e.g. [\"authorized\", \"captured\"]");
            return [];
        }
        var names = StringArray(reading, states, at, "states");
        if (names is null)
        {
            return [];
        }

        if (names.Count == 0)
        {
            reading.Add(at, "is empty: list at least one state this facet may take");
        }

        var result = ImmutableList.CreateBuilder<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (state, index) in names)
        {
            var itemPath = PolicyReading.Index(at, index);
            if (!PolicyReading.NamePattern().IsMatch(state))
            {
                reading.Add(itemPath, $"'{state}' is not a valid state name: {PolicyReading.NameRule}");
            }

            if (!seen.Add(state))
            {
                var first = result.First(s => string.Equals(s, state, StringComparison.OrdinalIgnoreCase));
                reading.Add(itemPath, first == state ? $"duplicates state '{first}'" : $"duplicates state '{first}' (names are case-insensitive)");
                continue;
            }
            result.Add(state);
        }
        return result.ToImmutable();
    }

    private static ImmutableDictionary<string, ImmutableList<string>> ReadTransitions(
        PolicyReading reading, Dictionary<string, JsonElement> properties, string path, ImmutableList<string> states)
    {
        var transitions = ImmutableDictionary.CreateBuilder<string, ImmutableList<string>>(StringComparer.Ordinal);
        if (!properties.TryGetValue("transitions", out var element))
        {
            return transitions.ToImmutable();
        }

        var at = PolicyReading.Child(path, "transitions");
        if (element.ValueKind != JsonValueKind.Object)
        {
            reading.Add(at, $"must be an object mapping a state to the states it may move to, not {PolicyReading.Kind(element)}");
            return transitions.ToImmutable();
        }
        var known = PolicyReading.Known(states);
        foreach (var property in element.EnumerateObject())
        {
            var from = property.Name;
            var fromPath = PolicyReading.Child(at, from);
            if (transitions.ContainsKey(from))
            {
                reading.Add(fromPath, $"repeats the transitions from '{from}': list them once");
                continue;
            }
            if (!states.Contains(from))
            {
                reading.Add(fromPath, $"unknown state '{from}' {known}");
            }

            var targets = StringArray(reading, property.Value, fromPath, "target states");
            if (targets is null)
            {
                continue;
            }

            foreach (var (to, index) in targets)
            {
                if (!states.Contains(to))
                {
                    reading.Add(PolicyReading.Index(fromPath, index), $"unknown state '{to}' {known}");
                }
            }
            transitions[from] = [.. targets.Select(t => t.Value).Distinct(StringComparer.Ordinal)];
        }
        return transitions.ToImmutable();
    }

    private static FacetEffect ReadEffect(PolicyReading reading, Dictionary<string, JsonElement> properties, string path)
    {
        if (!properties.TryGetValue("effect", out var effect) || effect.ValueKind == JsonValueKind.Null)
        {
            return FacetEffect.None;
        }

        if (effect.ValueKind == JsonValueKind.String && effect.GetString() == "once")
        {
            return FacetEffect.Once;
        }

        var shown = effect.ValueKind == JsonValueKind.String ? $"'{effect.GetString()}'" : PolicyReading.Kind(effect);
        reading.Add(PolicyReading.Child(path, "effect"), $"{shown} is not a known effect: use \"once\" (a side effect that must happen at most once) or leave it out");
        return FacetEffect.None;
    }

    /// <summary>An array of strings with each item's index; null when not an array (reported).
    /// Items that are not strings are reported and left out.</summary>
    private static List<(string Value, int Index)>? StringArray(PolicyReading reading, JsonElement array, string path, string what)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            reading.Add(path, $"must be an array of {what} (strings), not {PolicyReading.Kind(array)}");
            return null;
        }
        var items = new List<(string, int)>();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                items.Add((item.GetString()!, index));
            }
            else
            {
                reading.Add(PolicyReading.Index(path, index), $"must be a string, not {PolicyReading.Kind(item)}");
            }

            index++;
        }
        return items;
    }
}
