using System.Text.RegularExpressions;
using Reconciler.Api;
using Reconciler.Auth;
using Reconciler.Http;

namespace Reconciler.Inbound;

/// <summary>The <c>{source}</c> of the inbound paths: a source's name as keys name it, and who may act for it.</summary>
public static partial class InboundSources
{
    /// <summary>A 400 when the name is not a source name (1..100 characters of [A-Za-z0-9._:-]), else null.</summary>
    public static IResult? Invalid(string source) =>
        SourceName().IsMatch(source)
            ? null
            : Problems.BadRequest("invalid-source", $"'{(source.Length > 60 ? source[..60] + "…" : source)}' is not a source name: use 1..100 characters of [A-Za-z0-9._:-], as in its keys.",
                Problems.Field("source"));

    /// <summary>A 403 when a source key acts for another source; admins and reader roles pass (the endpoint's roles decide those).</summary>
    public static IResult? ForeignSource(Caller caller, string source) =>
        caller.Role == Roles.Source && caller.Source != source
            ? Problems.Result(StatusCodes.Status403Forbidden, "source-mismatch", "The path names another source",
                $"This key sends as '{caller.Source}', not '{source}'; use that source's key or an admin key.")
            : null;

    public static IResult NoMapping(string source) =>
        Problems.NotFound("unknown-inbound-source",
            $"Source '{source}' has no inbound mapping; an admin creates one with PUT /v1/sources/{source}/inbound (docs/inbound.md).");

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}$")]
    private static partial Regex SourceName();
}
