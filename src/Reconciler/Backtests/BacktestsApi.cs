using Reconciler.Api;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Store.Backtests;
using Reconciler.Store.Policies;
using Reconciler.Hosting;
using Reconciler.Http;
using Reconciler.Plumbing;

namespace Reconciler.Backtests;

/// <summary>
/// Policy backtests (docs/api.md, "Policy backtests"): <c>POST /v1/policies/{operationType}/backtests</c> asks for one (the body
/// is the candidate, the query its range), the worker holding the <c>backtests</c> lease runs it in the background;
/// <c>GET /v1/backtests/{id}</c> follows it, <c>DELETE</c> cancels it (or deletes it once ended), and
/// <c>GET /v1/policies/{operationType}/backtests</c> lists a type's backtests, those of one candidate when asked.
/// </summary>
public static class BacktestsApi
{
    public const int MaxListLimit = 100;
    private const int DefaultListLimit = 20;

    public static IEndpointRouteBuilder MapBacktestsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/policies/{operationType}/backtests", StartAsync)
            .Describe("startBacktest", "Backtest a candidate policy over the stored operations of its type, in the background; nothing is written to any operation")
            .WithTags(ApiTags.Backtests).Reads<PolicyContract>()
            .Answers<BacktestView>(StatusCodes.Status202Accepted, StatusCodes.Status404NotFound, StatusCodes.Status422UnprocessableEntity)
            .WithHeader(StatusCodes.Status202Accepted, "Location", "The backtest's path, /v1/backtests/{id}, whose GET follows it.")
            .WithDescription("from and to bound the operations' first signal, [from, to); asOf (default now) is when the candidate's deadlines pass up to. One backtest runs at a time across the servers; the next waits queued.")
            .RequireRole(Roles.Readers);
        app.MapGet("/v1/policies/{operationType}/backtests", ListAsync).Describe("listBacktests", "The backtests of an operation type, newest first; those of one candidate (by its hash) or in one status when asked")
            .WithTags(ApiTags.Backtests).Answers<BacktestList>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest).RequireRole(Roles.Readers);
        app.MapGet("/v1/backtests/{id}", GetAsync).Describe("getBacktest", "A backtest: its status and progress, and once done its summary")
            .WithTags(ApiTags.Backtests).Answers<BacktestView>(StatusCodes.Status200OK, StatusCodes.Status404NotFound).RequireRole(Roles.Readers);
        app.MapDelete("/v1/backtests/{id}", DeleteAsync).Describe("deleteBacktest", "Cancel a queued or running backtest (200), or delete an ended one with its changes (204)")
            .WithTags(ApiTags.Backtests).Answers<BacktestView>(StatusCodes.Status200OK, StatusCodes.Status404NotFound)
            .Produces(StatusCodes.Status204NoContent).RequireRole(Roles.Readers);
        app.MapBacktestChangesApi();
        return app;
    }

    private static async Task<IResult> StartAsync(string operationType, string? from, string? to, string? asOf, HttpRequest request,
        PolicyStore policies, BacktestStore backtests, WorkerAlarm<BacktestWorker> alarm, TimeProvider clock, CancellationToken ct)
    {
        var body = await RequestJson.ReadObjectAsync(request, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        var now = clock.GetUtcNow();
        var (range, problem) = ReadRange(from, to, asOf, now);
        if (problem is not null)
        {
            return problem;
        }
        if (await policies.GetAsync(operationType, null, ct) is null)
        {
            return Problems.NotFound("unknown-operation-type",
                $"No policy exists for operation type '{operationType}', so no operation of it was stored: there is nothing to backtest.");
        }
        var (candidate, invalid) = PolicyBody.Read(body.Value, operationType, "the path's");
        if (invalid is not null)
        {
            return invalid;
        }
        var row = await BacktestStart.StartAsync(backtests, alarm, candidate!, range.From, range.To, range.AsOf ?? now,
            ApiAuthorization.CallerOf(request.HttpContext).Identity, ct);
        return TypedResults.Accepted($"/v1/backtests/{row.Id}", BacktestView.Of(row));
    }

    /// <summary>The range on the operations' first signal, [from, to), and the time the candidate's deadlines pass up to.</summary>
    private static ((DateTimeOffset? From, DateTimeOffset? To, DateTimeOffset? AsOf) Range, IResult? Problem) ReadRange(
        string? from, string? to, string? asOf, DateTimeOffset now)
    {
        var (fromTime, fromProblem) = ConflictsApi.ParseTime(from, "from");
        var (toTime, toProblem) = ConflictsApi.ParseTime(to, "to");
        var (asOfTime, asOfProblem) = ConflictsApi.ParseTime(asOf, "asOf");
        if ((fromProblem ?? toProblem ?? asOfProblem) is { } problem)
        {
            return (default, problem);
        }
        if (fromTime >= toTime)
        {
            return (default, Problems.BadRequest("invalid-range", $"from ({from}) must be before to ({to}): the range is [from, to) on each operation's first signal.",
                Problems.Field("from")));
        }
        if (asOfTime > now)
        {
            return (default, Problems.BadRequest("invalid-range", $"asOf ({asOf}) is in the future: deadlines can only be judged up to now.",
                Problems.Field("asOf")));
        }
        return ((fromTime, toTime, asOfTime), null);
    }

    private static async Task<IResult> ListAsync(string operationType, string? candidate, string? status, int? limit, BacktestStore backtests, CancellationToken ct)
    {
        if (Paging.CheckLimit(limit, MaxListLimit, DefaultListLimit) is { } invalidLimit)
        {
            return invalidLimit;
        }
        if (status is not (null or BacktestStatus.Queued or BacktestStatus.Running or BacktestStatus.Done or BacktestStatus.Failed or BacktestStatus.Cancelled))
        {
            return Problems.BadRequest("invalid-query", $"status='{status}' is not one of queued, running, done, failed, cancelled.",
                Problems.Field("status"));
        }
        var rows = await backtests.ListAsync(operationType, candidate, status, limit ?? DefaultListLimit, ct);
        return TypedResults.Ok(new BacktestList([.. rows.Select(BacktestView.Of)]));
    }

    private static async Task<IResult> GetAsync(string id, BacktestStore backtests, CancellationToken ct) =>
        await backtests.GetAsync(id, ct) is { } row ? TypedResults.Ok(BacktestView.Of(row)) : Unknown(id);

    // Waiting or running: cancelled (200 with the backtest); ended: deleted with its changes (204).
    private static async Task<IResult> DeleteAsync(string id, BacktestStore backtests, CancellationToken ct) =>
        await backtests.CancelOrDeleteAsync(id, ct) switch
        {
            (BacktestRemoval.Cancelled, { } row) => TypedResults.Ok(BacktestView.Of(row)),
            (BacktestRemoval.Deleted, _) => TypedResults.NoContent(),
            _ => Unknown(id),
        };

    public static IResult Unknown(string id) =>
        Problems.NotFound("unknown-backtest", $"No backtest '{id}' exists (it may have been deleted); POST /v1/policies/{{operationType}}/backtests starts one.");
}
