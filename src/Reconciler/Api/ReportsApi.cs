using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Store.Reports;

namespace Reconciler.Api;

/// <summary>
/// <c>GET /v1/reports/disagreements?from=&amp;to=</c>: which pairs of systems disagree most, and how long
/// until they agree (<see cref="ReportQuery"/>).
/// </summary>
public static class ReportsApi
{
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/reports/disagreements", DisagreementsAsync).Describe("getDisagreementReport", "Which pairs of sources disagree most, and how long until they agree")
            .WithTags(ApiTags.Reports).Answers<DisagreementReport>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest).RequireRole(Roles.Readers);
        return app;
    }

    private static async Task<IResult> DisagreementsAsync(string? from, string? to, ReportQuery reports, CancellationToken ct)
    {
        var (fromTime, fromProblem) = ConflictsApi.ParseTime(from, "from");
        var (toTime, toProblem) = ConflictsApi.ParseTime(to, "to");
        if ((fromProblem ?? toProblem) is { } problem)
        {
            return problem;
        }
        return TypedResults.Ok(await reports.ReadAsync(fromTime, toTime, ct));
    }
}
