using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reconciler.Core.Policies;

namespace Reconciler.AuditConsole;

/// <summary>
/// Reading fields of API-shaped JSON (conflict records, stream events) for display. The pages read records as the
/// API returns them rather than as typed objects, so that fields added later still reach the page.
/// </summary>
public static partial class Records
{
    public static string Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.Null => "",
                _ => value.GetRawText(),
            }
            : "";

    public static IReadOnlyList<string> List(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(v => v.ToString()).ToList()
            : [];

    public static DateTimeOffset? Time(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time)
            ? time
            : null;

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A span of time as people say it: 850 ms, 2.4 s, 5 min, 3 min 5 s, 2 h 10 min, 3 d 4 h (a zero second part left out).</summary>
    public static string Span(TimeSpan span) => span.TotalSeconds switch
    {
        < 0 => "−" + Span(-span),
        < 1 => $"{span.TotalMilliseconds:0} ms",
        < 60 => $"{span.TotalSeconds:0.#} s",
        < 3600 => Two((int)span.TotalMinutes, "min", span.Seconds, "s"),
        < 86400 => Two((int)span.TotalHours, "h", span.Minutes, "min"),
        _ => Two((int)span.TotalDays, "d", span.Hours, "h"),
    };

    private static string Two(int whole, string unit, int part, string partUnit) =>
        part == 0 ? $"{whole} {unit}" : $"{whole} {unit} {part} {partUnit}";

    /// <summary>A sentence with every ISO-8601 duration in it said as people say it: "within PT2S" reads "within 2 s".
    /// The engine writes a policy's durations as the policy spells them; the console is read by people.</summary>
    public static string HumanDurations(string text) =>
        IsoDurationWord().Replace(text, m => IsoDuration.TryParse(m.Value, out var span) ? Span(span) : m.Value);

    // A word shaped like an ISO-8601 duration (P, a digit or T and a digit, ending in a unit, so that a full stop after
    // it stays out); IsoDuration decides whether it is one.
    [GeneratedRegex(@"(?<![A-Za-z0-9_-])P(?=\d|T\d)[0-9WDTHMS.,]*[WDHMS](?![A-Za-z0-9_-])")]
    private static partial Regex IsoDurationWord();

    public static string Path(string prefix, string id) => prefix + Uri.EscapeDataString(id);
}
