using Reconciler.Auth;
using Reconciler.Conflicts;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Http;
using Reconciler.Store.Conflicts;

namespace Reconciler.Api;

/// <summary>
/// What people do with an open conflict before resolving it (docs/domain.md, "Accountability"):
/// <c>POST /v1/conflicts/{conflictId}/acknowledge</c> (no body, or <c>{}</c>), <c>…/snooze</c> <c>{ "until", "reason" }</c> and
/// <c>…/assign</c> <c>{ "assignee", "reason" }</c>, each an event of the operation's stream by the caller's identity.
/// The answer is the record as it is now; a refusal stores nothing.
/// </summary>
public static class ConflictLifecycleApi
{
    public static async Task<IResult> AcknowledgeAsync(
        string conflictId, HttpRequest request, ConflictResolver resolver, ConflictQuery conflicts, CancellationToken ct)
    {
        // The caller's key says who acknowledges: the body, when there is one, is an empty object.
        if (request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0))
        {
            var body = await RequestJson.ReadObjectAsync(request, ct);
            if (body.Problem is not null)
            {
                return body.Problem;
            }
            foreach (var property in body.Value.EnumerateObject())
            {
                return Problems.BadRequest("invalid-acknowledgement",
                    $"An acknowledgement takes no fields, not '{property.Name}': the key it is sent with says who takes the conflict on. Send {{}} or no body.",
                    Problems.Field(property.Name));
            }
        }
        return await StepAsync(conflictId, request, conflicts, ct,
            (found, identity) => resolver.AcknowledgeAsync(found.OperationId, found.OperationType, conflictId, identity, ct));
    }

    public static async Task<IResult> SnoozeAsync(
        string conflictId, HttpRequest request, ConflictResolver resolver, ConflictQuery conflicts, CancellationToken ct)
    {
        var (body, reason, problem) = await WithReasonAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }
        var untilText = RequestJson.OptionalString(body, "until");
        if (!IsoTime.TryParse(untilText, out var until))
        {
            return Problems.BadRequest("invalid-until",
                untilText is null ? $"Give until: the ISO-8601 time with an offset (such as {IsoTime.Example}) the conflict stays out of the queue until."
                    : IsoTime.Problem("until", untilText), Problems.Field("until"));
        }
        return await StepAsync(conflictId, request, conflicts, ct,
            (found, identity) => resolver.SnoozeAsync(found.OperationId, found.OperationType, conflictId, until.ToUniversalTime(), reason!, identity, ct));
    }

    public static async Task<IResult> AssignAsync(
        string conflictId, HttpRequest request, ConflictResolver resolver, ConflictQuery conflicts, CancellationToken ct)
    {
        var (body, reason, problem) = await WithReasonAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }
        var assignee = RequestJson.OptionalString(body, "assignee");
        if (string.IsNullOrWhiteSpace(assignee))
        {
            return Problems.BadRequest("missing-assignee", "Give assignee: the team the conflict is handed to, such as finance.", Problems.Field("assignee"));
        }
        return await StepAsync(conflictId, request, conflicts, ct,
            (found, identity) => resolver.AssignAsync(found.OperationId, found.OperationType, conflictId, assignee, reason!, identity, ct));
    }

    // A snooze or a handover: a JSON object with a reason, for whoever picks the conflict up next.
    private static async Task<(System.Text.Json.JsonElement Body, string? Reason, IResult? Problem)> WithReasonAsync(HttpRequest request, CancellationToken ct)
    {
        var body = await RequestJson.ReadObjectAsync(request, ct);
        if (body.Problem is not null)
        {
            return (default, null, body.Problem);
        }
        var (reason, problem) = ConflictResolveApi.ReasonOf(body.Value);
        return (body.Value, reason, problem);
    }

    private static async Task<IResult> StepAsync(string conflictId, HttpRequest request, ConflictQuery conflicts, CancellationToken ct,
        Func<(string OperationId, string OperationType), string, Task<IReadOnlyList<OperationEvent>>> decide)
    {
        if (await conflicts.FindOperationAsync(conflictId, ct) is not { } found)
        {
            return ConflictsApi.UnknownConflict(conflictId);
        }
        try
        {
            await decide(found, ApiAuthorization.CallerOf(request.HttpContext).Identity);
        }
        catch (CommandRejectedException e)
        {
            return ConflictsApi.Rejected(e);
        }
        return TypedResults.Text((await conflicts.GetAsync(conflictId, ct))!, "application/json");
    }
}
