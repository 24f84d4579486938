using System.Globalization;
using System.Text.Json;

namespace Reconciler.AuditConsole;

/// <summary>
/// Reading fields of API-shaped JSON (conflict records, stream events) for display. The pages read records as the
/// API returns them rather than as typed objects, so that fields added later still reach the page.
/// </summary>
public static class Records
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

    /// <summary>A span of time as people say it: 850 ms, 2.4 s, 3 min 5 s, 2 h 10 min, 3 d 4 h.</summary>
    public static string Span(TimeSpan span) => span.TotalSeconds switch
    {
        < 0 => "−" + Span(-span),
        < 1 => $"{span.TotalMilliseconds:0} ms",
        < 60 => $"{span.TotalSeconds:0.#} s",
        < 3600 => $"{(int)span.TotalMinutes} min {span.Seconds} s",
        < 86400 => $"{(int)span.TotalHours} h {span.Minutes} min",
        _ => $"{(int)span.TotalDays} d {span.Hours} h",
    };

    public static string Path(string prefix, string id) => prefix + Uri.EscapeDataString(id);
}
