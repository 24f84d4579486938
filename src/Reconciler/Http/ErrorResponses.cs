using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using Reconciler.Store.Writing;

namespace Reconciler.Http;

/// <summary>
/// Every error the server sends is problem+json, whatever the request's Accept header says: answers
/// without a body (no endpoint, wrong method) get one here, and exceptions become problems in
/// <see cref="ExceptionProblems"/>.
/// </summary>
public static class ErrorResponses
{
    public static IApplicationBuilder UseProblemErrorPages(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        return app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            var (slug, title, detail) = status switch
            {
                404 => ("not-found", "Not found", $"No endpoint answers {http.Request.Method} {http.Request.Path}; the API's paths are listed at /v1/openapi.json."),
                405 => ("method-not-allowed", "Method not allowed", $"{http.Request.Method} is not allowed on {http.Request.Path}; use {AllowedMethods(http)}."),
                415 => ("unsupported-media-type", "Unsupported media type", "Send the body as application/json."),
                _ => ("http-" + status, "The request failed", $"The server answered {status} without saying more; see the API reference at /v1/openapi.json."),
            };
            await Problems.Result(status, slug, title, detail).ExecuteAsync(http);
        });
    }

    private static string AllowedMethods(HttpContext http) =>
        http.Response.Headers.Allow.Count > 0 ? string.Join(" or ", http.Response.Headers.Allow.ToString().Split(',', StringSplitOptions.TrimEntries)) : "another method";
}

/// <summary>
/// Exceptions as problems: a request the framework could not bind (a query number that does not parse, a
/// body cut short) is the client's 400; PostgreSQL staying unavailable is a 503 with Retry-After; anything
/// else is a 500 that reveals no internals.
/// </summary>
public sealed class ExceptionProblems(ILogger<ExceptionProblems> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var result = exception switch
        {
            BadHttpRequestException bad => Problems.Result(bad.StatusCode, bad.StatusCode == 413 ? "payload-too-large" : "invalid-request",
                "The request is not valid", BindingProblem.Describe(bad.Message)),
            StoreUnavailableException unavailable => Unavailable(http, unavailable.Message),
            OverloadedException overloaded => Overloaded(http, overloaded.Message),
            NpgsqlException { IsTransient: true } or TimeoutException => Unavailable(http, "The database did not answer in time; retry the request."),
            _ => null,
        };
        if (result is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
            result = Problems.Result(StatusCodes.Status500InternalServerError, "internal-error", "The server failed",
                $"The server could not answer this request; it was logged with trace id {http.TraceIdentifier}. Retrying is safe for signals (their ids make it idempotent).");
        }
        await result.ExecuteAsync(http);
        return true;
    }

    // Shed at once rather than queued past what can be committed promptly: the sender's retry is safe.
    private static IResult Overloaded(HttpContext http, string detail)
    {
        http.Response.Headers.RetryAfter = "1";
        return Problems.Result(StatusCodes.Status503ServiceUnavailable, "overloaded", "The server is busy", detail);
    }

    private static IResult Unavailable(HttpContext http, string detail)
    {
        http.Response.Headers.RetryAfter = "1";
        return Problems.Result(StatusCodes.Status503ServiceUnavailable, "store-unavailable", "Try again", detail);
    }
}

/// <summary>Says which query parameter the framework could not bind and what it takes, from its binding error.</summary>
public static partial class BindingProblem
{
    public static string Describe(string frameworkMessage)
    {
        var match = FailedBinding().Match(frameworkMessage);
        if (!match.Success)
        {
            return frameworkMessage;
        }
        var type = match.Groups["type"].Value;
        var expected = type.Contains("int", StringComparison.OrdinalIgnoreCase) || type.Contains("long", StringComparison.OrdinalIgnoreCase)
            ? "a whole number such as 100"
            : type.Contains("double", StringComparison.OrdinalIgnoreCase) ? "a number such as 2.5" : $"a {type}";
        var value = match.Groups["value"].Value;
        return $"The query parameter '{match.Groups["name"].Value}' must be {expected}, not '{(value.Length > 60 ? value[..60] + "…" : value)}'; leave it out to use its default.";
    }

    [GeneratedRegex("^Failed to bind parameter \"(?:Nullable<)?(?<type>[A-Za-z0-9.]+)>?\\?? (?<name>[A-Za-z0-9_]+)\" from \"(?<value>.*)\"\\.$", RegexOptions.Singleline)]
    private static partial Regex FailedBinding();
}
