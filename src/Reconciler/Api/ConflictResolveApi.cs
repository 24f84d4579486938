using System.Text.Json;
using Npgsql;
using Reconciler.Auth;
using Reconciler.Conflicts;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Http;
using Reconciler.Store.Conflicts;

namespace Reconciler.Api;

/// <summary>
/// <c>POST /v1/conflicts/{conflictId}/resolve</c>: an operator's resolution, recorded in the operation's stream with their identity
/// (202 when the policy asks a second resolver for it: it is then only proposed); <c>…/approve</c> and <c>…/reject</c> answer
/// such a proposal.
/// </summary>
public static class ConflictResolveApi
{
    private static readonly string[] Resolutions = ["accepted", "overridden", "compensated", "dismissed"];

    public static async Task<IResult> ResolveAsync(
        string conflictId, HttpRequest request, ConflictResolver resolver, ConflictQuery conflicts, CancellationToken ct)
    {
        var body = await RequestJson.ReadObjectAsync(request, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        var resolution = RequestJson.OptionalString(body.Value, "resolution");
        if (resolution is null || !Resolutions.Contains(resolution))
        {
            return Problems.BadRequest("invalid-resolution",
                $"resolution must be one of {string.Join(", ", Resolutions)}{(resolution is null ? "" : $", not '{resolution}'")}.");
        }
        var (reason, reasonProblem) = ReasonOf(body.Value);
        if (reasonProblem is not null)
        {
            return reasonProblem;
        }
        FacetOverride? facetOverride = null;
        if (body.Value.TryGetProperty("override", out var given) && given.ValueKind != JsonValueKind.Null)
        {
            var facet = given.ValueKind == JsonValueKind.Object ? RequestJson.OptionalString(given, "facet") : null;
            var state = given.ValueKind == JsonValueKind.Object ? RequestJson.OptionalString(given, "state") : null;
            if (facet is null || state is null || InputRules.NameProblem(facet) is not null || InputRules.NameProblem(state) is not null)
            {
                return Problems.BadRequest("invalid-override", "override must be an object { \"facet\": \"…\", \"state\": \"…\" } naming a facet and one of its states.");
            }
            facetOverride = new FacetOverride(facet, state);
        }

        var operation = await conflicts.FindOperationAsync(conflictId, ct);
        if (operation is not { } found)
        {
            return ConflictsApi.UnknownConflict(conflictId);
        }
        IReadOnlyList<OperationEvent> events;
        try
        {
            var identity = ApiAuthorization.CallerOf(request.HttpContext).Identity;
            events = await resolver.ResolveAsync(found.OperationId, found.OperationType, conflictId, resolution, reason!, identity, facetOverride, ct);
        }
        catch (CommandRejectedException e)
        {
            return ConflictsApi.Rejected(e);
        }
        var record = await conflicts.GetAsync(conflictId, ct);
        var proposed = events.Any(e => e is ResolutionProposed);
        return TypedResults.Text(record!, "application/json", statusCode: proposed ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
    }

    /// <summary><c>POST /v1/conflicts/{conflictId}/approve</c> <c>{ "reason" }</c>: a second resolver approves the pending resolution.</summary>
    public static Task<IResult> ApproveAsync(
        string conflictId, HttpRequest request, ConflictResolver resolver, ConflictQuery conflicts, CancellationToken ct) =>
        AnswerAsync(conflictId, request, conflicts, ct,
            (found, reason, identity) => resolver.ApproveAsync(found.OperationId, found.OperationType, conflictId, reason, identity, ct));

    /// <summary><c>POST /v1/conflicts/{conflictId}/reject</c> <c>{ "reason" }</c>: the pending resolution is turned down; the conflict stays open.</summary>
    public static Task<IResult> RejectAsync(
        string conflictId, HttpRequest request, ConflictResolver resolver, ConflictQuery conflicts, CancellationToken ct) =>
        AnswerAsync(conflictId, request, conflicts, ct,
            (found, reason, identity) => resolver.RejectAsync(found.OperationId, found.OperationType, conflictId, reason, identity, ct));

    private static async Task<IResult> AnswerAsync(string conflictId, HttpRequest request, ConflictQuery conflicts, CancellationToken ct,
        Func<(string OperationId, string OperationType), string, string, Task<IReadOnlyList<OperationEvent>>> decide)
    {
        var body = await RequestJson.ReadObjectAsync(request, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        var (reason, reasonProblem) = ReasonOf(body.Value);
        if (reasonProblem is not null)
        {
            return reasonProblem;
        }
        if (await conflicts.FindOperationAsync(conflictId, ct) is not { } found)
        {
            return ConflictsApi.UnknownConflict(conflictId);
        }
        try
        {
            await decide(found, reason!, ApiAuthorization.CallerOf(request.HttpContext).Identity);
        }
        catch (CommandRejectedException e)
        {
            return ConflictsApi.Rejected(e);
        }
        return TypedResults.Text((await conflicts.GetAsync(conflictId, ct))!, "application/json");
    }

    // Every answer to a conflict, and every snooze or handover, carries a reason for the audit trail.
    internal static (string? Reason, IResult? Problem) ReasonOf(JsonElement body)
    {
        var reason = RequestJson.OptionalString(body, "reason");
        if (string.IsNullOrWhiteSpace(reason))
        {
            return (null, Problems.BadRequest("missing-reason", "Give a non-empty reason: it is kept with the step for the audit trail.", Problems.Field("reason")));
        }
        return InputRules.TextProblem(reason) is { } problem
            ? (null, Problems.BadRequest("invalid-reason", $"reason {problem}.", Problems.Field("reason")))
            : (reason, null);
    }
}
