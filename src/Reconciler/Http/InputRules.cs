namespace Reconciler.Http;

/// <summary>
/// The one policy for text that enters the server — bodies, paths, queries and headers alike
/// (docs/input.md): strict UTF-8, no unpaired surrogate, no NUL anywhere; names and ids also carry
/// no control character; every string has a length limit.
/// </summary>
public static class InputRules
{
    /// <summary>Ids and names: operation ids and types, signal ids, sources, facets, states, effect keys, filters.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Free text a person writes, such as a resolution's reason.</summary>
    public const int MaxTextLength = 4000;

    /// <summary>One decoded query value (a filter, a cursor, a list of event types).</summary>
    public const int MaxQueryValueLength = 1000;

    /// <summary>One decoded path segment (ids live in path segments).</summary>
    public const int MaxPathSegmentLength = 256;

    /// <summary>Why a name breaks the rules (said so that it can follow the field's name), or null when it is fine.</summary>
    public static string? NameProblem(string value, int maxLength = MaxNameLength)
    {
        if (value.Length == 0 || value.Length > maxLength)
        {
            return $"must be 1..{maxLength} characters";
        }
        var control = IndexOfControl(value);
        return control < 0 ? null : $"holds the control character U+{(int)value[control]:X4} at {control}: names and ids may not hold control characters";
    }

    /// <summary>Why free text breaks the rules, or null: anything but NUL, up to <paramref name="maxLength"/> characters.</summary>
    public static string? TextProblem(string value, int maxLength = MaxTextLength)
    {
        if (value.Length > maxLength)
        {
            return $"must be at most {maxLength} characters";
        }
        return value.Contains('\0', StringComparison.Ordinal) ? "holds a NUL character (U+0000), which no field accepts" : null;
    }

    /// <summary>The index of the first C0 or C1 control character or DEL, or -1.</summary>
    public static int IndexOfControl(ReadOnlySpan<char> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsControl(value[i]))
            {
                return i;
            }
        }
        return -1;
    }
}
