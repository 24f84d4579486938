using System.Collections.Immutable;
using System.Text.Json;
using Reconciler.Core.Policies;

namespace Reconciler.Core.Inbound;

public static partial class InboundMappingReader
{
    private static readonly string[] RuleProperties =
        ["when", "each", .. InboundWords.RequiredFields, .. InboundWords.OptionalFields, "attributes"];

    private static ImmutableList<MappingRule> ReadRules(PolicyReading reading, JsonElement json, string path, Func<string, string?> expressionProblem)
    {
        if (json.ValueKind != JsonValueKind.Array)
        {
            reading.Add(path, $"must be an array of rules, not {PolicyReading.Kind(json)}");
            return [];
        }
        var count = json.GetArrayLength();
        if (count == 0 || count > MaxRules)
        {
            reading.Add(path, $"must hold 1..{MaxRules} rules, not {count}");
            return [];
        }
        var rules = ImmutableList.CreateBuilder<MappingRule>();
        var index = 0;
        foreach (var item in json.EnumerateArray())
        {
            if (ReadRule(reading, item, PolicyReading.Index(path, index++), expressionProblem) is { } rule)
            {
                rules.Add(rule);
            }
        }
        return rules.ToImmutable();
    }

    private static MappingRule? ReadRule(PolicyReading reading, JsonElement json, string path, Func<string, string?> expressionProblem)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            reading.Add(path, $"a rule must be an object of expressions such as {{ \"when\": \"type == 'paid'\", \"operationId\": \"data.order\", … }}, not {PolicyReading.Kind(json)}");
            return null;
        }
        var before = reading.Count;
        var rule = reading.Properties(json, path, RuleProperties);
        string? Expression(string name, bool required) =>
            rule.ContainsKey(name) || required
                ? Checked(reading, rule, name, path, expressionProblem, required ? $"an expression for the signal's {name}, or a literal such as 'order'" : "")
                : null;
        var when = Expression("when", false);
        var each = Expression("each", false);
        var fields = ImmutableList.CreateBuilder<MappedField>();
        foreach (var name in InboundWords.RequiredFields.Concat(InboundWords.OptionalFields))
        {
            if (Expression(name, InboundWords.RequiredFields.Contains(name)) is { } expression)
            {
                fields.Add(new MappedField(name, expression));
            }
        }
        var attributes = rule.TryGetValue("attributes", out var a) ? ReadAttributes(reading, a, PolicyReading.Child(path, "attributes"), expressionProblem) : [];
        return reading.Count > before ? null : new MappingRule(when, each, fields.ToImmutable(), attributes);
    }

    private static ImmutableList<MappedField> ReadAttributes(PolicyReading reading, JsonElement json, string path, Func<string, string?> expressionProblem)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            reading.Add(path, $"must be an object of attribute names and expressions such as {{ \"amount\": \"data.amount\" }}, not {PolicyReading.Kind(json)}");
            return [];
        }
        var attributes = ImmutableList.CreateBuilder<MappedField>();
        var names = json.EnumerateObject().Select(p => p.Name).Distinct(StringComparer.Ordinal).ToArray();
        if (names.Length > MaxAttributes)
        {
            reading.Add(path, $"may name at most {MaxAttributes} attributes, not {names.Length}");
            return [];
        }
        var properties = reading.Properties(json, path, names);
        foreach (var name in names)
        {
            if (name.Length is 0 or > 200 || name.Any(char.IsControl))
            {
                reading.Add(PolicyReading.Child(path, name), "an attribute name must be 1..200 characters without control characters");
            }
            else if (Checked(reading, properties, name, path, expressionProblem, "") is { } expression)
            {
                attributes.Add(new MappedField(name, expression));
            }
        }
        return attributes.ToImmutable();
    }

    /// <summary>An expression property: a non-empty string that compiles; null when absent or wrong (reported).</summary>
    private static string? Checked(
        PolicyReading reading, Dictionary<string, JsonElement> properties, string name, string path, Func<string, string?> expressionProblem, string required)
    {
        var at = PolicyReading.Child(path, name);
        if (properties.TryGetValue(name, out var value) && value.ValueKind != JsonValueKind.String)
        {
            reading.Add(at, $"must be a JMESPath expression as a string (a literal is quoted: \"'order'\" or \"`42`\"), not {PolicyReading.Kind(value)}");
            return null;
        }
        var text = reading.String(properties, name, path, required);
        if (text is null)
        {
            return null;
        }
        if (text.Length > MaxExpressionLength)
        {
            reading.Add(at, $"must be at most {MaxExpressionLength} characters");
            return null;
        }
        if (expressionProblem(text) is { } problem)
        {
            reading.Add(at, $"'{text}' is not a JMESPath expression: {problem}");
            return null;
        }
        return text;
    }

    private static CsvMapping? ReadCsv(PolicyReading reading, JsonElement json, Func<string, string?> expressionProblem)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            reading.Add("csv", $"must be an object such as {{ \"delimiter\": \",\", \"header\": true, \"rules\": [ … ] }}, not {PolicyReading.Kind(json)}");
            return null;
        }
        var before = reading.Count;
        var csv = reading.Properties(json, "csv", CsvProperties);
        var delimiter = ',';
        if (reading.String(csv, "delimiter", "csv", "") is { } d)
        {
            var named = d switch { "\\t" or "tab" => "\t", _ => d };
            if (named.Length != 1 || named[0] is '"' or '\r' or '\n' || (char.IsControl(named[0]) && named[0] != '\t'))
            {
                reading.Add("csv.delimiter", $"must be one character such as \",\", \";\", \"|\" or \"\\t\" (a quote or a line break cannot separate columns), not '{d}'");
            }
            else
            {
                delimiter = named[0];
            }
        }
        var header = true;
        if (csv.TryGetValue("header", out var h))
        {
            if (h.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                header = h.GetBoolean();
            }
            else
            {
                reading.Add("csv.header", $"must be true (the first row names the columns) or false (then 'columns' names them), not {PolicyReading.Kind(h)}");
            }
        }
        var columns = csv.TryGetValue("columns", out var c) ? ReadColumns(reading, c) : [];
        if (!header && columns.IsEmpty && !csv.ContainsKey("columns"))
        {
            reading.Add("csv.columns", "is required when 'header' is false: name the columns in file order");
        }
        var rules = csv.TryGetValue("rules", out var r) ? ReadRules(reading, r, "csv.rules", expressionProblem) : [];
        if (!csv.ContainsKey("rules"))
        {
            reading.Add("csv.rules", "is required: the rules that map a row; their expressions see { \"row\": { column: value } }");
        }
        return reading.Count > before ? null : new CsvMapping(delimiter, header, columns, rules);
    }

    private static ImmutableList<string> ReadColumns(PolicyReading reading, JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Array || json.GetArrayLength() is 0 or > 1000)
        {
            reading.Add("csv.columns", "must be an array of 1..1000 column names");
            return [];
        }
        var columns = ImmutableList.CreateBuilder<string>();
        var index = 0;
        foreach (var item in json.EnumerateArray())
        {
            var at = PolicyReading.Index("csv.columns", index++);
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 and <= 200 } name || name.Any(char.IsControl))
            {
                reading.Add(at, "a column name must be a string of 1..200 characters without control characters");
            }
            else if (columns.Contains(name))
            {
                reading.Add(at, $"'{name}' is named twice: each column needs its own name");
            }
            else
            {
                columns.Add(name);
            }
        }
        return columns.ToImmutable();
    }
}
