using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Conflicts;
using Reconciler.Core.Judging;
using Reconciler.Http;
using Reconciler.Store;
using Roles = Reconciler.Auth.Roles;
using Reconciler.Store.Conflicts;
using Reconciler.Responses;

namespace Reconciler.Api;

/// <summary>The auditors' conflict records: list and export, one record with its evidence, an operator's resolution, and the steps people take before it.</summary>
public static class ConflictsApi
{
    public sealed record Page(IReadOnlyList<JsonElement> Items, string? Next);

    public static IEndpointRouteBuilder MapConflictsApi(this IEndpointRouteBuilder app)
    {
        var conflicts = app.MapGroup("/v1/conflicts").WithTags(ApiTags.Conflicts);
        conflicts.MapGet("", ListAsync).Describe("listConflicts", "Conflict records, newest first, filtered and paged; or every matching one as CSV")
            .Answers<ConflictPageContract>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest)
            .AlsoAnswers(StatusCodes.Status200OK, "text/csv", "The records as JSON, or with Accept: text/csv or format=csv every matching record as CSV (RFC 4180, a header row; columns in docs/api.md).")
            .WithHeader(StatusCodes.Status200OK, "Content-Disposition", "CSV only: attachment; filename=\"conflicts.csv\".")
            .WithDescription("format=csv (or Accept: text/csv) streams every matching record as CSV instead.").RequireRole(Roles.Readers);
        conflicts.MapGet("/{conflictId}", GetAsync).Describe("getConflict", "One conflict record with the events that opened and closed it")
            .Answers<ConflictRecordContract>(StatusCodes.Status200OK, StatusCodes.Status404NotFound).RequireRole(Roles.Readers);
        conflicts.MapPost("/{conflictId}/resolve", ConflictResolveApi.ResolveAsync).Describe("resolveConflict", "Resolve a conflict (200), or propose the resolution when the policy asks two resolvers (202)")
            .Reads<ResolveRequestContract>().Answers<ConflictRecordContract>(StatusCodes.Status200OK, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .Produces<ConflictRecordContract>(StatusCodes.Status202Accepted).RequireRole([Roles.Resolver, Roles.Admin]);
        conflicts.MapPost("/{conflictId}/approve", ConflictResolveApi.ApproveAsync).Describe("approveResolution", "Approve the resolution another resolver proposed")
            .Reads<ReasonRequestContract>().Answers<ConflictRecordContract>(StatusCodes.Status200OK, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRole([Roles.Resolver, Roles.Admin]);
        conflicts.MapPost("/{conflictId}/reject", ConflictResolveApi.RejectAsync).Describe("rejectResolution", "Reject (or, as its proposer, withdraw) a proposed resolution")
            .Reads<ReasonRequestContract>().Answers<ConflictRecordContract>(StatusCodes.Status200OK, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRole([Roles.Resolver, Roles.Admin]);
        conflicts.MapPost("/{conflictId}/acknowledge", ConflictLifecycleApi.AcknowledgeAsync).Describe("acknowledgeConflict", "Take an open conflict on (acknowledgedBy is the caller's key)")
            .Reads<AcknowledgeRequestContract>(optional: true).Answers<ConflictRecordContract>(StatusCodes.Status200OK, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRole([Roles.Resolver, Roles.Admin]);
        conflicts.MapPost("/{conflictId}/snooze", ConflictLifecycleApi.SnoozeAsync).Describe("snoozeConflict", "Keep an open conflict out of the default queue until a time; its status and clock do not change")
            .Reads<SnoozeRequestContract>().Answers<ConflictRecordContract>(StatusCodes.Status200OK, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity).RequireRole([Roles.Resolver, Roles.Admin]);
        conflicts.MapPost("/{conflictId}/assign", ConflictLifecycleApi.AssignAsync).Describe("assignConflict", "Hand an open conflict to another team")
            .Reads<AssignRequestContract>().Answers<ConflictRecordContract>(StatusCodes.Status200OK, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity).RequireRole([Roles.Resolver, Roles.Admin]);
        return app;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, string? kind, string? status, string? severity, string? source, string? facet, string? operationType,
        string? operationId, string? from, string? to, string? cause, string? assignee, string? overdue, string? acknowledged, string? snoozed,
        string? cursor, [Range(1, Paging.MaxLimit)] int? limit, string? format, ConflictQuery conflicts, TimeProvider clock, CancellationToken ct)
    {
        if (cause is not null and not (MissingCauses.SourceSilent or MissingCauses.NotReported))
        {
            return Problems.BadRequest("invalid-query", $"cause must be {MissingCauses.SourceSilent} or {MissingCauses.NotReported}, not '{cause}'.",
                Problems.Field("cause"));
        }
        if (status is not null and not ("open" or "resolved"))
        {
            return Problems.BadRequest("invalid-query", $"status must be open or resolved, not '{status}'.");
        }
        var (fromTime, fromProblem) = ParseTime(from, "from");
        var (toTime, toProblem) = ParseTime(to, "to");
        if ((fromProblem ?? toProblem) is { } timeProblem)
        {
            return timeProblem;
        }
        FeedCursor? before = null;
        if (cursor is not null)
        {
            if (!FeedCursor.TryDecode(cursor, out var decoded))
            {
                return Paging.InvalidCursor();
            }
            before = decoded;
        }
        if (Paging.CheckLimit(limit) is { } invalidLimit)
        {
            return invalidLimit;
        }
        var (accountability, accountabilityProblem) = AccountabilityFilter.Parse(assignee, overdue, acknowledged, snoozed, clock.GetUtcNow());
        if (accountabilityProblem is not null)
        {
            return Problems.BadRequest("invalid-query", accountabilityProblem.Value.Message, Problems.Field(accountabilityProblem.Value.Field));
        }
        var filter = accountability.Apply(new ConflictFilter(kind, status, severity, source, facet, operationType, operationId, fromTime, toTime, cause));
        if (WantsCsv(http.Request, format))
        {
            // The export streams every matching record (from the cursor, up to limit when given).
            await ConflictsCsv.WriteAsync(http.Response, conflicts.ListRecordsAsync(filter, before, limit, ct), ct);
            return Results.Empty;
        }
        var (records, next) = await conflicts.ReadPageAsync(filter, before, limit ?? Paging.DefaultLimit, ct);
        var items = records.Select(record =>
        {
            using var document = JsonDocument.Parse(record);
            return document.RootElement.Clone();
        }).ToList();
        return TypedResults.Ok(new Page(items, next?.Encode()));
    }

    private static async Task<IResult> GetAsync(string conflictId, ConflictQuery conflicts, CancellationToken ct)
    {
        var record = await conflicts.GetAsync(conflictId, ct);
        if (record is null)
        {
            return UnknownConflict(conflictId);
        }
        var json = JsonNode.Parse(record)!.AsObject();
        var events = (await conflicts.EvidenceEventsAsync(conflictId, ct)).Select(StreamEvent.Of).ToList();
        json["events"] = JsonSerializer.SerializeToNode(events, ApiJson.Options);
        return TypedResults.Text(json.ToJsonString(), "application/json");
    }

    private static bool WantsCsv(HttpRequest request, string? format) =>
        string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)
        || request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));

    /// <summary>A time from the query (<see cref="IsoTime"/>), null when absent, or a 400 naming the parameter.</summary>
    public static (DateTimeOffset? Time, IResult? Problem) ParseTime(string? text, string name)
    {
        if (text is null)
        {
            return (null, null);
        }
        return IsoTime.TryParse(text, out var time)
            ? (time.ToUniversalTime(), null)
            : (null, Problems.BadRequest("invalid-query", IsoTime.Problem(name, text)));
    }

    public static IResult UnknownConflict(string conflictId) =>
        Problems.NotFound("unknown-conflict", $"No conflict '{conflictId}' exists; take ids from GET /v1/conflicts or an operation's openConflicts.");

    /// <summary>The decider's refusals as problems: a closed conflict, a proposal in the way or a handover to the team that has it
    /// is 409, approving one's own proposal 403, a snooze into the past or a team that is not a name 422, a bad resolution or override 400.</summary>
    public static IResult Rejected(CommandRejectedException e) => e.Code switch
    {
        "conflict-closed" => Problems.Result(StatusCodes.Status409Conflict, e.Code, "The conflict is already closed", e.Message + " Closed conflicts cannot be resolved again."),
        "proposal-pending" => Problems.Result(StatusCodes.Status409Conflict, e.Code, "A resolution is waiting for approval", e.Message),
        "no-pending-resolution" => Problems.Result(StatusCodes.Status409Conflict, e.Code, "No resolution is waiting for approval", e.Message),
        "same-person" => Problems.Result(StatusCodes.Status403Forbidden, e.Code, "Four eyes: another resolver must approve", e.Message),
        "same-assignee" => Problems.Result(StatusCodes.Status409Conflict, e.Code, "The team has the conflict already", e.Message + " Name another team, or acknowledge it."),
        "snooze-in-the-past" => Problems.Result(StatusCodes.Status422UnprocessableEntity, e.Code, "Snooze until a later time", e.Message, Problems.Field("until")),
        "invalid-assignee" => Problems.Result(StatusCodes.Status422UnprocessableEntity, e.Code, "Not a team name", e.Message, Problems.Field("assignee")),
        "unknown-conflict" => Problems.NotFound(e.Code, e.Message),
        _ => Problems.BadRequest(e.Code, e.Message),
    };
}
