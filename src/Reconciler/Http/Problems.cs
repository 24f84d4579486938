namespace Reconciler.Http;

/// <summary>
/// RFC 9457 problem documents with a stable <c>type</c> slug; every error the API returns is one of these,
/// and its <c>detail</c> says what to fix.
/// </summary>
public static class Problems
{
    public const string TypeBase = "https://reconciler.dev/problems/";

    public static IResult Result(int status, string slug, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(Details(status, slug, title, detail, extensions));

    public static Microsoft.AspNetCore.Mvc.ProblemDetails Details(int status, string slug, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Type = TypeBase + slug,
            Title = title,
            Detail = detail,
        };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }
        return problem;
    }

    /// <summary>The <c>field</c> extension of a 400: which part of the request to fix.</summary>
    public static Dictionary<string, object?> Field(string? name) => new() { ["field"] = name };

    public static IResult Unauthorized(string detail) =>
        Result(StatusCodes.Status401Unauthorized, "unauthorized", "Missing or unknown API key", detail);

    public static IResult Forbidden(string detail) =>
        Result(StatusCodes.Status403Forbidden, "forbidden", "The key's role does not allow this", detail);

    public static IResult NotFound(string slug, string detail) =>
        Result(StatusCodes.Status404NotFound, slug, "Not found", detail);

    public static IResult BadRequest(string slug, string detail, IDictionary<string, object?>? extensions = null) =>
        Result(StatusCodes.Status400BadRequest, slug, "The request is not valid", detail, extensions);
}
