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
    /// <summary>The policy version the candidate is judged as: it is not stored, so it has none.</summary>
    public const int CandidateVersion = 0;

    public sealed record WhatIfResponse(
        string OperationId, TruthView Truth, IReadOnlyList<ConflictDocument> Conflicts, string Outcome, string CurrentOutcome,
        IReadOnlyList<WhatIfChange> Changes, int EventCount);

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
        return TypedResults.Ok(Evaluate(id, recorded, policy!, clock.GetUtcNow()));
    }

    /// <summary>The stored history judged again under <paramref name="policy"/> up to <paramref name="now"/>, compared with today's fold.</summary>
    public static WhatIfResponse Evaluate(string id, IReadOnlyList<RecordedEvent> recorded, TruthPolicy policy, DateTimeOffset now)
    {
        var history = recorded.Select(e => EventCodec.Deserialize(e.Type, e.Data)).ToList();
        var result = WhatIfReplay.Run(history, policy, CandidateVersion, now);
        var today = OperationDecider.Fold(history);
        var conflicts = result.State.Conflicts.Values
            .OrderBy(c => c.FirstOpenedAt).ThenBy(c => c.ConflictId, StringComparer.Ordinal)
            .Select(c => ConflictDocument.From(c, id, recorded[0].OperationType))
            .ToList();
        return new WhatIfResponse(id, TruthView.From(id, result.State, policy), conflicts, result.State.Outcome, today.Outcome, result.Changes, result.Events.Count);
    }
}
