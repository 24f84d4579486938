using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Store.Reports;

namespace Reconciler.Api;

/// <summary>
/// <c>GET /v1/reports/accountability?from=&amp;to=</c>: per team, see <see cref="AccountabilityReport"/>.
/// <c>GET /v1/reports/disagreements?from=&amp;to=</c>: which pairs of systems disagree most, and how long
/// until they agree (<see cref="ReportQuery"/>).
/// </summary>
public static class ReportsApi
{
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/reports/disagreements", DisagreementsAsync).Describe("getDisagreementReport", "Which pairs of sources disagree most, and how long until they agree")
            .WithTags(ApiTags.Reports).Answers<DisagreementReport>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest).RequireRole(Roles.Readers);
        app.MapGet("/v1/reports/accountability", AccountabilityAsync).Describe("getAccountabilityReport", "Per team: open, overdue and acknowledged conflicts, time to acknowledge and to resolve, ageing")
            .WithTags(ApiTags.Reports).Answers<AccountabilityReportView>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest).RequireRole(Roles.Readers);
        return app;
    }

    private static async Task<IResult> AccountabilityAsync(string? from, string? to, AccountabilityReport accountability, TimeProvider clock, CancellationToken ct)
    {
        var (fromTime, fromProblem) = ConflictsApi.ParseTime(from, "from");
        var (toTime, toProblem) = ConflictsApi.ParseTime(to, "to");
        if ((fromProblem ?? toProblem) is { } problem)
        {
            return problem;
        }
        return TypedResults.Ok(await accountability.ReadAsync(fromTime, toTime, clock.GetUtcNow(), ct));
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
