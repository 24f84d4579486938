using System.Text.Json;
using Npgsql;
using Reconciler.Auth;
using Reconciler.Conflicts;
using Reconciler.Core.Judging;
using Reconciler.Input;

namespace Reconciler.Api;

/// <summary><c>POST /v1/conflicts/{conflictId}/resolve</c>: an operator's resolution, recorded in the operation's stream with their identity.</summary>
public static class ConflictResolveApi
{
    private static readonly string[] Resolutions = ["accepted", "overridden", "compensated", "dismissed"];

    public static async Task<IResult> ResolveAsync(
        string conflictId, HttpRequest request, ConflictResolver resolver, NpgsqlDataSource dataSource, CancellationToken ct)
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
        var reason = RequestJson.OptionalString(body.Value, "reason");
        if (string.IsNullOrWhiteSpace(reason))
        {
            return Problems.BadRequest("missing-reason", "Give a non-empty reason: it is kept with the resolution for the audit trail.");
        }
        if (InputRules.TextProblem(reason) is { } reasonProblem)
        {
            return Problems.BadRequest("invalid-reason", $"reason {reasonProblem}.");
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

        var operation = await ConflictQuery.FindOperationAsync(dataSource, conflictId, ct);
        if (operation is not { } found)
        {
            return ConflictsApi.UnknownConflict(conflictId);
        }
        try
        {
            var identity = ApiAuthorization.CallerOf(request.HttpContext).Identity;
            await resolver.ResolveAsync(found.OperationId, found.OperationType, conflictId, resolution, reason, identity, facetOverride, ct);
        }
        catch (CommandRejectedException e)
        {
            return ConflictsApi.Rejected(e);
        }
        var record = await ConflictQuery.GetAsync(dataSource, conflictId, ct);
        return TypedResults.Text(record!, "application/json");
    }
}
