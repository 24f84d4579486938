namespace Reconciler.AuditConsole;

/// <summary>Status codes a console page answers with while still sending its own HTML.</summary>
public static class PageStatus
{
    /// <summary>
    /// Answers 404 with the page's body. A page that sets 404 while it renders loses its body (the framework leaves
    /// a 404 to a Router's NotFoundPage or to status-code re-execution), so the status is set as the response starts.
    /// </summary>
    public static void NotFound(HttpContext http) => http.Response.OnStarting(() =>
    {
        http.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    });
}
