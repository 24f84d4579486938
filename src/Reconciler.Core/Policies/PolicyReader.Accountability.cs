using System.Collections.Immutable;
using System.Text.Json;
using Reconciler.Core.Judging;

namespace Reconciler.Core.Policies;

/// <summary>The policy's <c>accountability</c>: the teams that answer for conflicts, how long each severity may stay open,
/// who takes an overdue conflict over, and how long an operation may go without a declared outcome.</summary>
public static partial class PolicyReader
{
    private const string Section = "accountability";
    private static readonly string[] AccountabilityProperties = ["owner", "facets", "kinds", "resolveWithin", "escalateTo", "finishWithin"];

    private static AccountabilityPolicy ReadAccountability(PolicyReading reading, Dictionary<string, JsonElement> root, FacetTable facets)
    {
        if (!root.TryGetValue(Section, out var section))
        {
            return AccountabilityPolicy.None;
        }

        if (section.ValueKind != JsonValueKind.Object)
        {
            reading.Add(Section, $"must be an object such as {{ \"owner\": \"order-ops\", \"resolveWithin\": {{ \"high\": \"PT4H\" }} }}, not {PolicyReading.Kind(section)}");
            return AccountabilityPolicy.None;
        }

        var properties = reading.Properties(section, Section, AccountabilityProperties);
        return new AccountabilityPolicy
        {
            Owner = Team(reading, properties, "owner"),
            Facets = Teams(reading, properties, "facets", "facet", [.. facets.Keys], facets.Keys.FirstOrDefault() ?? "ledger"),
            Kinds = Teams(reading, properties, "kinds", "conflict kind", ConflictKinds.All, ConflictKinds.Unfinished),
            ResolveWithin = ResolveWithin(reading, properties),
            EscalateTo = Team(reading, properties, "escalateTo"),
            FinishWithin = properties.TryGetValue("finishWithin", out var finish)
                ? PositiveDuration(reading, finish, PolicyReading.Child(Section, "finishWithin"), "P2D")
                : null,
        };
    }

    private static string? Team(PolicyReading reading, Dictionary<string, JsonElement> properties, string name) =>
        properties.TryGetValue(name, out var value) ? TeamName(reading, value, PolicyReading.Child(Section, name)) : null;

    /// <summary>A team is a <em>name</em>, as people and URLs will spell it (<c>?assignee=finance</c>).</summary>
    private static string? TeamName(PolicyReading reading, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            reading.Add(path, $"must be a team name such as \"finance\", not {PolicyReading.Kind(value)}");
            return null;
        }

        var team = value.GetString()!;
        if (!PolicyReading.NamePattern().IsMatch(team))
        {
            reading.Add(path, $"'{team}' is not a valid team name: {PolicyReading.NameRule}");
            return null;
        }

        return team;
    }

    /// <summary>An object from names of <paramref name="what"/> (each one of <paramref name="known"/>) to teams.</summary>
    private static ImmutableDictionary<string, string> Teams(
        PolicyReading reading, Dictionary<string, JsonElement> properties, string name, string what, IReadOnlyList<string> known, string sample)
    {
        var result = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (key, value, at) in Entries(reading, properties, name, what, known, $"{{ \"{sample}\": \"finance\" }}"))
        {
            if (TeamName(reading, value, at) is { } team)
            {
                result[key] = team;
            }
        }

        return result.ToImmutable();
    }

    private static ImmutableDictionary<string, PolicyDuration> ResolveWithin(PolicyReading reading, Dictionary<string, JsonElement> properties)
    {
        var result = ImmutableDictionary.CreateBuilder<string, PolicyDuration>(StringComparer.Ordinal);
        foreach (var (severity, value, at) in Entries(reading, properties, "resolveWithin", "severity", Severities.All, "{ \"high\": \"PT4H\" }"))
        {
            if (PositiveDuration(reading, value, at, "PT4H") is { } within)
            {
                result[severity] = within;
            }
        }

        return result.ToImmutable();
    }

    /// <summary>The entries of an optional object whose keys must be known names; unknown and repeated keys are reported
    /// (with the nearest known name as a hint), and so is anything but an object.</summary>
    private static List<(string Key, JsonElement Value, string Path)> Entries(PolicyReading reading, Dictionary<string, JsonElement> properties,
        string name, string what, IReadOnlyList<string> known, string example)
    {
        var path = PolicyReading.Child(Section, name);
        var entries = new List<(string, JsonElement, string)>();
        if (!properties.TryGetValue(name, out var map))
        {
            return entries;
        }

        if (map.ValueKind != JsonValueKind.Object)
        {
            reading.Add(path, $"must be an object such as {example}, not {PolicyReading.Kind(map)}");
            return entries;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in map.EnumerateObject())
        {
            var at = PolicyReading.Child(path, property.Name);
            if (!known.Contains(property.Name))
            {
                var near = NearNames.Suggest(property.Name, known);
                reading.Add(at, near is null ? $"unknown {what} '{property.Name}' {PolicyReading.Known(known)}" : $"unknown {what} '{property.Name}' (did you mean '{near}'?)");
            }
            else if (!seen.Add(property.Name))
            {
                reading.Add(at, $"is repeated: give each {what} once");
            }
            else
            {
                entries.Add((property.Name, property.Value, at));
            }
        }

        return entries;
    }

    /// <summary>A positive ISO-8601 duration (a string), kept with the author's spelling.</summary>
    private static PolicyDuration? PositiveDuration(PolicyReading reading, JsonElement value, string path, string example)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            reading.Add(path, $"must be an ISO-8601 duration such as \"{example}\", not {PolicyReading.Kind(value)}");
            return null;
        }

        var text = value.GetString()!;
        if (!IsoDuration.TryParse(text, out var duration))
        {
            reading.Add(path, $"'{text}' is not an ISO-8601 duration (e.g. {example})");
            return null;
        }

        if (duration <= TimeSpan.Zero)
        {
            reading.Add(path, $"'{text}' must be a positive duration (e.g. {example})");
            return null;
        }

        return new PolicyDuration(duration, text);
    }
}
