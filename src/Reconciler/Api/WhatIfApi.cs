using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.WhatIf;
using Reconciler.Responses;
using Reconciler.Store;
using Reconciler.Store.Projections;
using Roles = Reconciler.Auth.Roles;
using Reconciler.Http;

namespace Reconciler.Api;

/// <summary>
/// <c>POST /v1/operations/{id}/what-if</c>: the operation's signals (and the operator resolutions that
/// still apply) re-judged under a candidate policy, nothing stored; <c>changes</c> compares with today's truth.
/// </summary>
public static class WhatIfApi
{
    public static IEndpointRouteBuilder MapWhatIfApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/operations/{id}/what-if", WhatIfAsync).Describe("whatIf", "Judge the operation's signals again under a candidate policy; nothing is stored")
            .WithTags(ApiTags.Operations).Reads<PolicyContract>().Answers<WhatIfResponse>(StatusCodes.Status200OK, StatusCodes.Status404NotFound, StatusCodes.Status422UnprocessableEntity).RequireRole(Roles.Readers).ReadsOnly();
        return app;
    }

    private static async Task<IResult> WhatIfAsync(string id, HttpRequest request, EventStore store, TimeProvider clock, CancellationToken ct)
    {
        var body = await RequestJson.ReadObjectAsync(request, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        if (OperationsApi.IsSystemStream(id))
        {
            return OperationsApi.Unknown(id);
        }
        var recorded = await store.ReadStreamAsync(id, ct: ct);
        if (recorded.Count == 0)
        {
            return Problems.NotFound("unknown-operation", $"No operation '{id}' has been reported; check the id (it is case-sensitive).");
        }
        var operationType = recorded[0].OperationType;
        var (policy, invalid) = PolicyBody.Read(body.Value, operationType, "the operation's type");
        if (invalid is not null)
        {
            return invalid;
        }
        return TypedResults.Ok(WhatIfResponse.Evaluate(id, recorded, policy!, clock.GetUtcNow()));
    }
}
