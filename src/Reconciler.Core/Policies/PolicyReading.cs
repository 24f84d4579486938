using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Reconciler.Core.Policies;

/// <summary>The problems found so far while reading one policy, and the JSON helpers that report them.</summary>
internal sealed partial class PolicyReading
{
    private readonly List<PolicyProblem> _problems = [];

    public ImmutableList<PolicyProblem> Problems => [.. _problems];

    public bool HasProblems => _problems.Count > 0;

    /// <summary>How many problems so far; compare before and after reading a part to tell whether it was clean.</summary>
    public int Count => _problems.Count;

    public void Add(string path, string message) => _problems.Add(new PolicyProblem(path, message));

    public void AddRange(IEnumerable<PolicyProblem> more) => _problems.AddRange(more);

    /// <summary>Names of operation types, facets, states and outcomes: 1..200 characters of <c>[A-Za-z0-9._:-]</c>.</summary>
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,200}$")]
    public static partial Regex NamePattern();

    public const string NameRule = "use 1..200 characters of A-Z a-z 0-9 . _ : -";

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex SimpleSegment();

    public static string Child(string path, string name)
    {
        var segment = SimpleSegment().IsMatch(name)
            ? name
            : $"['{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}']";
        return path.Length == 0 ? segment : segment.StartsWith('[') ? path + segment : $"{path}.{segment}";
    }

    public static string Index(string path, int index) => $"{path}[{index}]";

    public static string Known(IEnumerable<string> names)
    {
        var list = string.Join(", ", names);
        return list.Length == 0 ? "(known: none)" : $"(known: {list})";
    }

    public static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>The known properties of an object, first occurrence each. Unknown and repeated
    /// properties are reported, so that a typo never passes silently.</summary>
    public Dictionary<string, JsonElement> Properties(JsonElement obj, string path, params string[] known)
    {
        var found = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            var at = Child(path, property.Name);
            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                var suggestion = NearNames.Suggest(property.Name, known);
                Add(at, suggestion is null ? $"unknown property {Known(known)}" : $"unknown property (did you mean '{suggestion}'?)");
            }
            else if (!found.TryAdd(property.Name, property.Value))
            {
                Add(at, "is repeated: give each property once");
            }
        }
        return found;
    }

    /// <summary>An optional string; null when absent or wrong (wrong is reported).</summary>
    public string? String(Dictionary<string, JsonElement> properties, string name, string path, string required)
    {
        var at = Child(path, name);
        if (!properties.TryGetValue(name, out var value))
        {
            if (required.Length > 0)
            {
                Add(at, $"is required: {required}");
            }

            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Add(at, $"must be a string, not {Kind(value)}");
            return null;
        }
        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            Add(at, required.Length > 0 ? $"must not be empty: {required}" : "must not be empty");
            return null;
        }
        return text;
    }

    /// <summary>A whole, non-negative number of seconds; null when wrong (reported).</summary>
    public int? Seconds(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            Add(path, $"must be a whole number of seconds, not {Kind(value)}");
            return null;
        }
        if (!value.TryGetInt32(out var seconds))
        {
            Add(path, $"'{value.GetRawText()}' is not a whole number of seconds (e.g. 300)");
            return null;
        }
        if (seconds < 0)
        {
            Add(path, $"must not be negative ({seconds}): use 0 or more seconds");
            return null;
        }
        return seconds;
    }
}
