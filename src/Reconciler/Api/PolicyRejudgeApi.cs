using System.ComponentModel;
using Reconciler.Auth;
using Reconciler.Api.OpenApi;
using Reconciler.Rejudging;
using Reconciler.Store.Rejudging;

namespace Reconciler.Api;

/// <summary>
/// <c>POST /v1/policies/{operationType}/rejudge</c>: re-judges, under the newest policy version, the open unmodeled conflicts it
/// names (docs/domain.md, "Re-judging after a policy fix"), for a version stored with <c>rejudge=false</c> or to look again.
/// </summary>
public static class PolicyRejudgeApi
{
    [Description("A run of re-judging under way (docs/api.md, 'Re-judging'): open unmodeled conflicts of the type still to look at (pending), looked at (done), re-judged of those, and signals judged again.")]
    public sealed record RejudgingView(int PolicyVersion, long Pending, long Done, long Rejudged, long Signals, DateTimeOffset StartedAt)
    {
        public static RejudgingView Of(RejudgingProgress p) => new(p.PolicyVersion, p.Pending, p.Done, p.Rejudged, p.Signals, p.StartedAt);
    }

    public static IEndpointRouteBuilder MapPolicyRejudgeApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/policies/{operationType}/rejudge", Rejudge)
            .Answers<RejudgingView>(StatusCodes.Status202Accepted, StatusCodes.Status404NotFound).RequireRole([Roles.Admin]);
        return app;
    }

    private static async Task<IResult> Rejudge(string operationType, HttpContext context, RejudgingStore rejudgings, RejudgeAlarm alarm, CancellationToken ct)
    {
        if (await rejudgings.StartAsync(operationType, ApiAuthorization.CallerOf(context).Identity, ct) is not { } progress)
        {
            return Problems.NotFound("unknown-operation-type",
                $"No policy exists for operation type '{operationType}'; create one with PUT /v1/policies/{operationType}.");
        }
        alarm.Ring();
        return TypedResults.Accepted($"/v1/policies/{Uri.EscapeDataString(operationType)}", RejudgingView.Of(progress));
    }
}
