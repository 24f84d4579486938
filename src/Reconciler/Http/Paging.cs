namespace Reconciler.Http;

/// <summary>
/// The paging rules every list shares (docs/api.md, "Paging"): <c>limit</c> is 1..max with a default, <c>cursor</c> is the
/// <c>next</c> of an earlier page. One wording for the two 400s, each naming its field.
/// </summary>
public static class Paging
{
    /// <summary>A page's size when the request gives no <c>limit</c> (the feed's is larger).</summary>
    public const int DefaultLimit = 50;

    /// <summary>The largest <c>limit</c> a list takes.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The 400 for a limit outside 1..<paramref name="max"/>, or null when it is in range or left out.</summary>
    public static IResult? CheckLimit(int? limit, int max = MaxLimit, int defaultLimit = DefaultLimit) =>
        limit is < 1 || limit > max
            ? Problems.BadRequest("invalid-limit", $"limit must be 1..{max} (default {defaultLimit}), not {limit}.", Problems.Field("limit"))
            : null;

    /// <summary>The 400 for a cursor that is not the <c>next</c> of an earlier page.</summary>
    public static IResult InvalidCursor(string field = "cursor") =>
        Problems.BadRequest("invalid-cursor", $"{field} must be the 'next' value of an earlier page.", Problems.Field(field));
}
