using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reconciler.Core.Policies;

namespace Reconciler.Core.Judging;

/// <summary>
/// Reads declared attributes out of a signal's <c>attributes</c> JSON: by a dotted path through nested objects,
/// as the JSON text of the value (<c>"129.90"</c>, <c>129.9</c>, <c>{…}</c>). A value that is absent or null is not carried.
/// </summary>
public static partial class AttributeValues
{
    /// <summary>The JSON text of the value at <paramref name="path"/>, or null when the attributes do not carry it.</summary>
    public static string? Find(string? attributesJson, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrEmpty(attributesJson))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(attributesJson);
            return Find(document.RootElement, path);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The JSON text of the value at <paramref name="path"/> under <paramref name="root"/>, or null.</summary>
    public static string? Find(JsonElement root, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var element = root;
        foreach (var name in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null : element.GetRawText();
    }

    /// <summary>The value as a person reads it: a JSON string's text, any other value's JSON.</summary>
    public static string Text(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > 0 && json[0] == '"')
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.GetString()!;
        }

        return json;
    }

    /// <summary>Whether the value can be compared as <paramref name="type"/> (exact values always can).</summary>
    public static bool Parses(AttributeType type, string json) => type switch
    {
        AttributeType.Decimal => TryDecimal(json, out _),
        AttributeType.Time => TryTime(json, out _),
        _ => true,
    };

    /// <summary>A decimal from a JSON number or a string such as <c>"129.90"</c>, read invariantly (no thousands separators).</summary>
    public static bool TryDecimal(string json, out decimal value)
    {
        value = 0;
        var text = Unquoted(json);
        return text is not null && Number().IsMatch(text)
            && decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out value);
    }

    /// <summary>An instant from an ISO-8601 date and time string; without an offset it is taken as UTC.</summary>
    public static bool TryTime(string json, out DateTimeOffset value)
    {
        value = default;
        var text = json.Length > 1 && json[0] == '"' ? Text(json) : null;
        return text is { Length: <= 40 } && Time().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    // A JSON number as it is, or a JSON string's text; null for anything else.
    private static string? Unquoted(string json) =>
        json.Length == 0 ? null
        : json[0] == '"' ? Text(json)
        : json[0] is '-' or (>= '0' and <= '9') ? json
        : null;

    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Time();
}
