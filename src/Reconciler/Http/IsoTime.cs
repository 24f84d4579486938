using System.Globalization;
using System.Text.RegularExpressions;

namespace Reconciler.Http;

/// <summary>
/// Times the API accepts: ISO-8601 / RFC 3339 date and time with an explicit offset, such as
/// <c>2026-11-21T10:00:03Z</c> or <c>2026-11-21T11:00:03.5+01:00</c>. Anything else (a date alone, a time
/// without offset, "yesterday", a culture's format) is refused rather than guessed.
/// </summary>
public static partial class IsoTime
{
    public const string Example = "2026-11-21T10:00:03Z";

    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        return text is { Length: <= 40 }
            && Shape().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    /// <summary>What to say when <see cref="TryParse"/> refuses a value of <paramref name="field"/>.</summary>
    public static string Problem(string field, string text) =>
        $"{field}='{(text.Length > 60 ? text[..60] + "…" : text)}' is not an ISO-8601 time with an offset such as {Example}.";

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
