using System.ComponentModel;
using System.Text.Json;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Rejudging;
using Reconciler.Store.Rejudging;
using Reconciler.Hosting;
using Reconciler.Http;
using Reconciler.Plumbing;

namespace Reconciler.Api;

/// <summary>
/// <c>POST /v1/policies/{operationType}/rejudge</c>: re-judges, under the newest policy version, what the open unmodeled conflicts
/// of the type held (docs/domain.md, "Re-judging after a policy fix"), for a version stored with <c>rejudge=false</c> or to look
/// again. An optional <c>{ "policyVersion": N }</c> says which version the caller looked at: a newer one stored since is a 409.
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
        app.MapPost("/v1/policies/{operationType}/rejudge", Rejudge).Describe("rejudgePolicy", "Re-judge what the type's open unmodeled conflicts hold under the newest policy version")
            .WithTags(ApiTags.Policies).Reads<RejudgeRequestContract>(optional: true)
            .Answers<RejudgingView>(StatusCodes.Status202Accepted, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .WithHeader(StatusCodes.Status202Accepted, "Location", "The policy's path, /v1/policies/{operationType}, whose GET shows the run's progress.").RequireRole([Roles.Admin]);
        return app;
    }

    private static async Task<IResult> Rejudge(string operationType, HttpRequest request, RejudgingStore rejudgings, WorkerAlarm<RejudgeWorker> alarm, CancellationToken ct)
    {
        int? expected = null;
        if (request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0))
        {
            var body = await RequestJson.ReadObjectAsync(request, ct);
            if (body.Problem is not null)
            {
                return body.Problem;
            }
            (expected, var problem) = ExpectedVersion(body.Value);
            if (problem is not null)
            {
                return problem;
            }
        }
        var (started, newest) = await rejudgings.StartAsync(operationType, ApiAuthorization.CallerOf(request.HttpContext).Identity, expected, ct);
        if (newest is null)
        {
            return Problems.NotFound("unknown-operation-type",
                $"No policy exists for operation type '{operationType}'; create one with PUT /v1/policies/{operationType}.");
        }
        if (started is null)
        {
            return Problems.Result(StatusCodes.Status409Conflict, "policy-version-changed", "A newer policy version was stored",
                $"The newest version of '{operationType}' is {newest}, not {expected}; a run judges under the newest version: look at it, then ask again.");
        }
        alarm.Ring();
        return TypedResults.Accepted($"/v1/policies/{Uri.EscapeDataString(operationType)}", RejudgingView.Of(started));
    }

    private static (int? Version, IResult? Problem) ExpectedVersion(JsonElement body)
    {
        int? version = null;
        foreach (var property in body.EnumerateObject())
        {
            if (property.Name != "policyVersion")
            {
                return (null, Problems.BadRequest("invalid-rejudge", $"Unknown property '{property.Name}': the body may only say policyVersion.",
                    Problems.Field(property.Name)));
            }
            if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out var number) || number < 1)
            {
                return (null, Problems.BadRequest("invalid-rejudge", "policyVersion must be a whole number of 1 or more: the version re-judging should run under.",
                    Problems.Field("policyVersion")));
            }
            version = number;
        }
        return (version, null);
    }
}
