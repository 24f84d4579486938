using System.Globalization;
using System.Text.Json;
using Newtonsoft.Json.Linq;
using Reconciler.Http;

namespace Reconciler.Inbound;

/// <summary>
/// An expression's value written as a signal field. Ids and names take text, or a number written as text (order 1001
/// is "1001"); <c>observedAt</c> takes an ISO-8601 time (an offset, or none for UTC; a date alone is midnight UTC) or Unix
/// seconds or milliseconds, as a number or digits; <c>sourceSequence</c> a whole number or digits. Anything else is a
/// problem, said so that it can follow the expression.
/// </summary>
public static class SignalFields
{
    /// <summary>Above this a Unix time is in milliseconds: 10^11 seconds is the year 5138, 10^11 ms is 1973.</summary>
    private const long MillisecondsFrom = 100_000_000_000;

    private static readonly string[] LocalFormats = ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"];

    public static string? Write(Utf8JsonWriter json, string field, JToken value) => field switch
    {
        "observedAt" => Time(json, value),
        "sourceSequence" => Sequence(json, value),
        _ => Text(json, field, value),
    };

    private static string? Text(Utf8JsonWriter json, string field, JToken value)
    {
        switch (value.Type)
        {
            case JTokenType.String:
                json.WriteString(field, value.Value<string>());
                return null;
            case JTokenType.Integer or JTokenType.Float:
                json.WriteString(field, Convert.ToString(((JValue)value).Value, CultureInfo.InvariantCulture));
                return null;
            default:
                return $"yields {Kind(value)}; a {field} must be text or a number";
        }
    }

    private static string? Time(Utf8JsonWriter json, JToken value)
    {
        DateTimeOffset? time = value.Type switch
        {
            JTokenType.Integer or JTokenType.Float when Number(value) is { } n && TryUnix(n, out var unix) => unix,
            JTokenType.String => ParseTime(value.Value<string>()!),
            _ => null,
        };
        if (time is null)
        {
            return $"yields {Kind(value)} '{Clip(value)}', not a time: give an ISO-8601 time such as {IsoTime.Example}, or Unix seconds or milliseconds";
        }
        json.WriteString("observedAt", time.Value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        return null;
    }

    private static DateTimeOffset? ParseTime(string text)
    {
        if (IsoTime.TryParse(text, out var time))
        {
            return time;
        }
        if (text.Length is > 0 and <= 20 && text.All(char.IsAsciiDigit) && decimal.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && TryUnix(number, out var unix))
        {
            return unix;
        }
        return DateTime.TryParseExact(text, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var utc)
            ? new DateTimeOffset(utc, TimeSpan.Zero)
            : null;
    }

    private static bool TryUnix(decimal number, out DateTimeOffset time)
    {
        time = default;
        var milliseconds = Math.Abs(number) >= MillisecondsFrom ? number : number * 1000;
        if (milliseconds < -62_135_596_800_000m || milliseconds > 253_402_300_799_999m)
        {
            return false;
        }
        time = DateTimeOffset.FromUnixTimeMilliseconds((long)decimal.Round(milliseconds));
        return true;
    }

    private static string? Sequence(Utf8JsonWriter json, JToken value)
    {
        long? number = value.Type switch
        {
            JTokenType.Integer when Number(value) is >= 0 and <= long.MaxValue => value.Value<long>(),
            JTokenType.String when long.TryParse(value.Value<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
        if (number is null)
        {
            return $"yields {Kind(value)} '{Clip(value)}'; a sourceSequence must be a whole number from 0";
        }
        json.WriteNumber("sourceSequence", number.Value);
        return null;
    }

    /// <summary>A number as a decimal; null beyond its range (a 40-digit integer is read as a BigInteger).</summary>
    private static decimal? Number(JToken value)
    {
        try
        {
            return value.Value<decimal>();
        }
        catch (Exception e) when (e is OverflowException or InvalidCastException)
        {
            return null;
        }
    }

    /// <summary>What an expression yielded, in words for a problem's detail.</summary>
    public static string Kind(JToken value) => value.Type switch
    {
        JTokenType.Array => value.HasValues ? "a list" : "an empty list",
        JTokenType.Object => "an object",
        JTokenType.String => "text",
        JTokenType.Integer or JTokenType.Float => "a number",
        JTokenType.Boolean => "a boolean",
        _ => "nothing",
    };

    private static string Clip(JToken value)
    {
        var text = value.Type == JTokenType.String ? value.Value<string>()! : MappingExpressions.Compact(value);
        return text.Length > 60 ? text[..60] + "…" : text;
    }
}
