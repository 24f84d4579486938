using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Reconciler.Core.Policies;

public static partial class PolicyReader
{
    private static readonly string[] AttributeProperties = ["type", "tolerance"];
    private static readonly string[] MatchProperties = ["attribute", "facets", "tolerance"];

    /// <summary>An attribute path: names of 1..100 characters of <c>[A-Za-z0-9_:-]</c>, joined by dots for nested objects.</summary>
    [GeneratedRegex("^[A-Za-z0-9_:-]{1,100}(\\.[A-Za-z0-9_:-]{1,100})*$")]
    private static partial Regex AttributePath();

    private const string AttributePathRule = "use names of A-Z a-z 0-9 _ : - joined by '.' for nested objects, e.g. 'amount' or 'totals.gross'";

    [GeneratedRegex("^[0-9]{1,20}(\\.[0-9]{1,20})?%?$")]
    private static partial Regex DecimalTolerance();

    /// <summary>The attributes a facet declares correctly, and the names of all it declares (a wrong one was reported
    /// already, so a match naming it is not blamed again).</summary>
    private static (ImmutableList<DeclaredAttribute> Attributes, ImmutableHashSet<string> Names) ReadAttributes(
        PolicyReading reading, Dictionary<string, JsonElement> properties, string path)
    {
        if (!properties.TryGetValue("attributes", out var element))
        {
            return ([], []);
        }

        var at = PolicyReading.Child(path, "attributes");
        if (element.ValueKind != JsonValueKind.Object)
        {
            reading.Add(at, $"must be an object mapping each attribute to {{ \"type\": … }}, not {PolicyReading.Kind(element)}");
            return ([], []);
        }
        var result = ImmutableList.CreateBuilder<DeclaredAttribute>();
        var names = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            names.Add(property.Name);
            var name = property.Name;
            var attributePath = PolicyReading.Child(at, name);
            if (result.Any(a => a.Name == name))
            {
                reading.Add(attributePath, $"repeats attribute '{name}': declare it once");
                continue;
            }
            if (name.Length > 200 || !AttributePath().IsMatch(name))
            {
                reading.Add(attributePath, $"'{name}' is not an attribute path: {AttributePathRule}");
                continue;
            }
            if (ReadAttribute(reading, property.Value, attributePath) is { } declared)
            {
                result.Add(declared with { Name = name });
            }
        }
        return (result.ToImmutable(), names.ToImmutable());
    }

    private static DeclaredAttribute? ReadAttribute(PolicyReading reading, JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            reading.Add(path, $"must be an object such as {{ \"type\": \"decimal\", \"tolerance\": \"0.01\" }}, not {PolicyReading.Kind(element)}");
            return null;
        }
        var properties = reading.Properties(element, path, AttributeProperties);
        var typeName = reading.String(properties, "type", path, "one of exact, decimal, time");
        AttributeType? type = typeName switch
        {
            "exact" => AttributeType.Exact,
            "decimal" => AttributeType.Decimal,
            "time" => AttributeType.Time,
            _ => null,
        };
        if (typeName is not null && type is null)
        {
            reading.Add(PolicyReading.Child(path, "type"), $"unknown type '{typeName}': use exact (text equality), decimal (numbers) or time (instants)");
            return null;
        }
        if (type is null)
        {
            return null;
        }

        var tolerance = properties.TryGetValue("tolerance", out var t) ? ReadTolerance(reading, t, PolicyReading.Child(path, "tolerance"), type.Value) : null;
        return new DeclaredAttribute("", type.Value, tolerance);
    }

    /// <summary>A tolerance for <paramref name="type"/>: <c>0.01</c> or <c>0.5%</c> for decimals, an ISO-8601 duration for times, none for exact.</summary>
    private static AttributeTolerance? ReadTolerance(PolicyReading reading, JsonElement element, string path, AttributeType type)
    {
        if (type == AttributeType.Exact)
        {
            reading.Add(path, "an exact attribute takes no tolerance: leave it out, or use type decimal or time");
            return null;
        }
        var example = type == AttributeType.Decimal ? "\"0.01\" or \"0.5%\"" : "\"PT2S\"";
        if (element.ValueKind != JsonValueKind.String)
        {
            reading.Add(path, $"must be a string such as {example}, not {PolicyReading.Kind(element)}");
            return null;
        }
        var text = element.GetString()!;
        if (type == AttributeType.Time)
        {
            if (IsoDuration.TryParse(text, out var duration) && duration >= TimeSpan.Zero)
            {
                return new AttributeTolerance(text, 0, false, duration);
            }

            reading.Add(path, $"'{text}' is not a non-negative ISO-8601 duration: use one such as {example}");
            return null;
        }
        var relative = text.EndsWith('%');
        if (!DecimalTolerance().IsMatch(text)
            || !decimal.TryParse(relative ? text[..^1] : text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            reading.Add(path, $"'{text}' is not a tolerance: use an absolute amount such as \"0.01\" or a percentage such as \"0.5%\"");
            return null;
        }
        if (relative && amount > 100)
        {
            reading.Add(path, $"'{text}' is more than 100%: a relative tolerance is a percentage of the larger value, 0% to 100%");
            return null;
        }
        return new AttributeTolerance(text, amount, relative, TimeSpan.Zero);
    }

    private static ImmutableList<AttributeMatch> ReadMatches(PolicyReading reading, Dictionary<string, JsonElement> root, FacetTable facets)
    {
        var result = ImmutableList.CreateBuilder<AttributeMatch>();
        foreach (var (item, path) in Items(reading, root, "matches"))
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                reading.Add(path, $"must be an object with 'attribute' and 'facets', not {PolicyReading.Kind(item)}");
                continue;
            }
            var before = reading.Count;
            var properties = reading.Properties(item, path, MatchProperties);
            var attribute = reading.String(properties, "attribute", path, "name an attribute the listed facets declare, e.g. 'amount'");
            var listed = ReadMatchFacets(reading, properties, path, facets, attribute);
            if (attribute is null || listed is null || reading.Count != before)
            {
                continue;
            }

            var declared = facets.Find(listed[0])!.Attributes.First(a => a.Name == attribute);
            var tolerance = properties.TryGetValue("tolerance", out var t)
                ? ReadTolerance(reading, t, PolicyReading.Child(path, "tolerance"), declared.Type)
                : null;
            var match = new AttributeMatch(attribute, listed, tolerance);
            var same = result.FindIndex(m => m.Attribute == attribute && m.Facets.Order(StringComparer.Ordinal).SequenceEqual(listed.Order(StringComparer.Ordinal)));
            if (same >= 0)
            {
                reading.Add(path, $"repeats matches[{same}]: compare '{attribute}' across these facets once");
                continue;
            }
            if (reading.Count == before)
            {
                result.Add(match);
            }
        }
        return result.ToImmutable();
    }

    /// <summary>The facets of a match: two or more, distinct, declared, owned, each declaring the attribute with one type.</summary>
    private static ImmutableList<string>? ReadMatchFacets(
        PolicyReading reading, Dictionary<string, JsonElement> properties, string path, FacetTable facets, string? attribute)
    {
        var at = PolicyReading.Child(path, "facets");
        if (!properties.TryGetValue("facets", out var element))
        {
            reading.Add(at, "is required: list two or more facets whose owners must agree, e.g. [\"payment\", \"ledger\"]");
            return null;
        }
        var names = StringArray(reading, element, at, "facets");
        if (names is null)
        {
            return null;
        }

        if (names.Count < 2)
        {
            reading.Add(at, "must list at least two facets: a match compares one facet's attribute with another's");
            return null;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        AttributeType? firstType = null;
        string? firstFacet = null;
        foreach (var (name, index) in names)
        {
            var itemPath = PolicyReading.Index(at, index);
            if (!seen.Add(name))
            {
                reading.Add(itemPath, $"repeats facet '{name}'");
                continue;
            }
            var facet = facets.Find(name);
            if (facet is null)
            {
                reading.Add(itemPath, $"unknown facet '{name}' {PolicyReading.Known(facets.Keys)}");
                continue;
            }
            if (!facet.HasOwner)
            {
                reading.Add(itemPath, $"facet '{name}' has no owner: a match compares the owners' claims, so list owned facets only");
                continue;
            }
            if (attribute is null)
            {
                continue;
            }

            var declared = facet.Attributes.FirstOrDefault(a => a.Name == attribute);
            if (declared is null && facet.AttributeNames.Contains(attribute))
            {
                continue;
            }

            if (declared is null)
            {
                reading.Add(itemPath, $"facet '{name}' does not declare attribute '{attribute}': add it to facets.{name}.attributes");
                continue;
            }
            if (firstType is null)
            {
                (firstType, firstFacet) = (declared.Type, name);
            }
            else if (declared.Type != firstType)
            {
                reading.Add(itemPath, $"facet '{name}' declares '{attribute}' as {TypeName(declared.Type)}, but '{firstFacet}' as {TypeName(firstType.Value)}: compare values of one type");
            }
        }
        return [.. names.Select(n => n.Value)];
    }

    internal static string TypeName(AttributeType type) => type switch
    {
        AttributeType.Decimal => "decimal",
        AttributeType.Time => "time",
        _ => "exact",
    };
}
