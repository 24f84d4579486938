using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Rejudging;
using Reconciler.Store.Policies;
using Reconciler.Store.Rejudging;
using Reconciler.Hosting;
using Reconciler.Http;
using Reconciler.Plumbing;

namespace Reconciler.Api;

public static class PoliciesApi
{
    public sealed record StoredPolicy(string OperationType, int Version);

    public static IEndpointRouteBuilder MapPoliciesApi(this IEndpointRouteBuilder app)
    {
        var policies = app.MapGroup("/v1/policies").WithTags(ApiTags.Policies);
        policies.MapPut("/{operationType}", PutPolicy).Describe("putPolicy", "Store a new policy version (201), or find it unchanged (200)")
            .Reads<PolicyContract>().Answers<StoredPolicy>(StatusCodes.Status201Created, StatusCodes.Status422UnprocessableEntity).Produces<StoredPolicy>()
            .WithHeader(StatusCodes.Status201Created, "Location", "The new version's path, /v1/policies/{operationType}?version=N.").RequireRole([Roles.Admin]);
        policies.MapGet("/{operationType}", GetPolicy).Describe("getPolicy", "Read the newest policy version, or version N")
            .Answers<StoredPolicyContract>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).RequireRole(Roles.Any);
        return app;
    }

    // rejudge=false stores the version without re-judging what it names (POST …/rejudge starts that later).
    private static async Task<IResult> PutPolicy(string operationType, bool? rejudge, HttpRequest request, PolicyStore policies, WorkerAlarm<RejudgeWorker> alarm, CancellationToken ct)
    {
        var body = await RequestJson.ReadObjectAsync(request, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        var (policy, invalid) = PolicyBody.Read(body.Value, operationType, "the path's");
        if (invalid is not null)
        {
            return invalid;
        }
        var (version, created) = await policies.PutAsync(policy!, ApiAuthorization.CallerOf(request.HttpContext).Identity, rejudge ?? true, ct);
        if (created && rejudge != false)
        {
            alarm.Ring();
        }
        var stored = new StoredPolicy(operationType, version);
        return created
            ? TypedResults.Created($"/v1/policies/{Uri.EscapeDataString(operationType)}?version={version}", stored)
            : TypedResults.Ok(stored);
    }

    private static async Task<IResult> GetPolicy(string operationType, int? version, PolicyStore policies, RejudgingStore rejudgings, CancellationToken ct)
    {
        var stored = await policies.GetAsync(operationType, version, ct);
        if (stored is null)
        {
            return Problems.NotFound(
                version is null ? "unknown-operation-type" : "unknown-policy-version",
                version is null
                    ? $"No policy exists for operation type '{operationType}'; create one with PUT /v1/policies/{operationType}."
                    : $"Operation type '{operationType}' has no policy version {version}.");
        }
        var json = JsonNode.Parse(stored.Body)!.AsObject();
        json["version"] = stored.Version;
        json["createdAt"] = stored.CreatedAt;
        if (await rejudgings.ProgressAsync(operationType, ct) is { PolicyVersion: var running } progress && running == stored.Version)
        {
            json["rejudging"] = JsonSerializer.SerializeToNode(PolicyRejudgeApi.RejudgingView.Of(progress), ApiJson.Options);
        }
        return TypedResults.Text(json.ToJsonString(), "application/json");
    }
}
