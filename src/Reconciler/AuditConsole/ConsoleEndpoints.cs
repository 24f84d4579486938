using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using Reconciler.Api;
using Reconciler.Auth;
using Reconciler.Conflicts;
using Reconciler.Store.Conflicts;
using Reconciler.Http;

namespace Reconciler.AuditConsole;

/// <summary>
/// The auditors' console at <c>/console</c>: server-rendered Razor components (static SSR, no client framework),
/// signed in with a session cookie (<see cref="ConsoleSessions"/>), reading through the same queries as the API.
/// Besides the pages: the embedded assets, the CSV export of the queue, the live feed for new conflicts, sign-out.
/// </summary>
public static class ConsoleEndpoints
{
    public const string Root = "/console";

    public static IServiceCollection AddAuditConsole(this IServiceCollection services)
    {
        services.AddConsoleSessions();
        services.AddRazorComponents();
        return services;
    }

    /// <summary>Sessions, roles and antiforgery (they run for console endpoints only), and the console's response headers.</summary>
    public static IApplicationBuilder UseAuditConsole(this IApplicationBuilder app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments(Root), console => console.Use((http, next) =>
        {
            var headers = http.Response.Headers;
            // Everything the pages load comes from this server; nothing may frame them or read their URLs.
            headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            // Console pages render their own errors as HTML; the API's problem+json bodies are for the API.
            if (http.Features.Get<IStatusCodePagesFeature>() is { } statusPages)
            {
                statusPages.Enabled = false;
            }
            if (!http.Request.Path.StartsWithSegments(Root + "/assets"))
            {
                // Exactly what antiforgery sets on every response that carries a token (its forms, the sign-out button):
                // given anything else (no-store alone), it overrides the header and logs a warning on every page load.
                headers.CacheControl = "no-cache, no-store";
                headers.Pragma = "no-cache";
            }
            return next(http);
        }));
        app.UseAuthentication();
        app.UseAuthorization();
        return app.UseAntiforgery();
    }

    public static IEndpointRouteBuilder MapAuditConsole(this IEndpointRouteBuilder app)
    {
        app.MapRazorComponents<ConsoleDocument>();
        // Pages for people on a session cookie: not part of the API's contract, so not in its OpenAPI document.
        var console = app.MapGroup(Root).ExcludeFromDescription();
        console.MapGet("/assets/{name}", ConsoleAssets.Serve).AllowAnonymous();
        console.MapGet("/conflicts.csv", ExportAsync).RequireAuthorization(ConsoleSessions.ReaderPolicy);
        console.MapPost("/sign-out", SignOutAsync).AllowAnonymous();
        return app;
    }

    /// <summary>The CSV of exactly the queue's filtered set (every page), as <c>GET /v1/conflicts?format=csv</c> writes it.</summary>
    private static async Task<IResult> ExportAsync(HttpContext http, ConflictQuery conflicts, TimeProvider clock, CancellationToken ct)
    {
        var (filter, _, problems) = (QueueFilter.Read(http.Request.Query) with { Cursor = null }).Parse(clock.GetUtcNow());
        if (filter is null)
        {
            return Problems.BadRequest("invalid-query", string.Join("; ", problems.Select(p => $"{p.Field} {p.Message}")));
        }
        await ConflictsCsv.WriteAsync(http.Response, conflicts.ListRecordsAsync(filter, null, null, ct), ct);
        return Results.Empty;
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Problems.BadRequest("invalid-antiforgery-token", "Sign out from the console's own button: the form's antiforgery token is missing or invalid.");
        }
        await http.SignOutAsync(ConsoleSessions.Scheme);
        return Results.Redirect(Root + "/sign-in?signedOut=true");
    }
}
