using System.Text.Json;
using Npgsql;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.State;
using Reconciler.Responses;
using Reconciler.Store;
using Reconciler.Store.Policies;
using Roles = Reconciler.Auth.Roles;
using Reconciler.Http;

namespace Reconciler.Api;

public static class OperationsApi
{

    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var operations = app.MapGroup("/v1/operations").RequireRole(Roles.Readers).WithTags(ApiTags.Operations);
        operations.MapGet("/{id}", GetOperation).Describe("getOperation", "The agreed truth of an operation, now or as it stood at a time or version")
            .Answers<TruthView>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        operations.MapGet("/{id}/events", GetEvents).Describe("getOperationEvents", "The operation's event stream, in version order")
            .Answers<IReadOnlyList<StreamEvent>>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        operations.MapGet("", OperationList.ListAsync).Describe("listOperations", "Operations, newest first, filtered and paged")
            .Answers<OperationList.Page>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<IResult> GetOperation(string id, string? at, long? version, EventStore store, PolicyStore policies, CancellationToken ct)
    {
        if (IsSystemStream(id))
        {
            return Unknown(id);
        }
        if (at is null && version is null)
        {
            var state = await store.ReadStateAsync(id, ct);
            return state is null ? Unknown(id) : TypedResults.Ok(await TruthView.ReadAsync(id, state, policies, ct));
        }
        if (at is not null && version is not null)
        {
            return Problems.BadRequest("invalid-query", "Ask for the truth either ?at=<time> or ?version=N, not both.");
        }
        var (until, atProblem) = ConflictsApi.ParseTime(at, "at");
        if (atProblem is not null)
        {
            return atProblem;
        }
        if (version is < 1)
        {
            return Problems.BadRequest("invalid-query", "version counts events from 1.");
        }
        var point = await TruthHistory.FoldAsync(store, id, until, version, ct);
        return point.State is { } folded ? TypedResults.Ok(await TruthView.ReadAsync(id, folded, policies, ct)) : Problems.NotFound(point.Refusal!, point.Detail!);
    }

    private static async Task<IResult> GetEvents(string id, long? fromVersion, EventStore store, CancellationToken ct)
    {
        if (IsSystemStream(id))
        {
            return Unknown(id);
        }
        var recorded = await store.ReadStreamAsync(id, fromVersion ?? 1, long.MaxValue, ct);
        if (recorded.Count == 0 && await store.GetStreamAsync(id, ct) is null)
        {
            return Unknown(id);
        }
        return TypedResults.Ok(recorded.Select(StreamEvent.Of).ToList());
    }

    /// <summary>The system stream (storms) lives among the streams but is no operation: it is read through the feed.</summary>
    public static bool IsSystemStream(string id) => id == Core.Storms.SystemEventCodec.StreamId;

    public static IResult Unknown(string id) => Problems.NotFound("unknown-operation", TruthHistory.UnknownOperation(id));
}
