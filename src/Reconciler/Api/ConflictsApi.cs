using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Reconciler.Auth;
using Reconciler.Conflicts;
using Reconciler.Core.Judging;
using Reconciler.Input;
using Roles = Reconciler.Auth.Roles;
using Reconciler.Store;
using Reconciler.Api.OpenApi;

namespace Reconciler.Api;

/// <summary>The auditors' conflict records: list and export, one record with its evidence, and an operator's resolution.</summary>
public static class ConflictsApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    public sealed record Page(IReadOnlyList<JsonElement> Items, string? Next);

    public static IEndpointRouteBuilder MapConflictsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/conflicts", ListAsync).Answers<ConflictPageContract>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest)
            .WithDescription("format=csv (or Accept: text/csv) streams every matching record as CSV instead.").RequireRole(Roles.Readers);
        app.MapGet("/v1/conflicts/{conflictId}", GetAsync).Answers<ConflictRecordContract>(StatusCodes.Status200OK, StatusCodes.Status404NotFound).RequireRole(Roles.Readers);
        app.MapPost("/v1/conflicts/{conflictId}/resolve", ConflictResolveApi.ResolveAsync)
            .Reads<ResolveRequestContract>().Answers<ConflictRecordContract>(StatusCodes.Status200OK, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireRole([Roles.Resolver, Roles.Admin]);
        return app;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, string? kind, string? status, string? severity, string? source, string? facet, string? operationType,
        string? operationId, string? from, string? to, string? cursor, int? limit, string? format, NpgsqlDataSource dataSource, CancellationToken ct)
    {
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
                return Problems.BadRequest("invalid-cursor", "cursor must be a 'next' value from an earlier page.");
            }
            before = decoded;
        }
        if (limit is < 1 or > MaxLimit)
        {
            return Problems.BadRequest("invalid-limit", $"limit must be 1..{MaxLimit} (default {DefaultLimit}).");
        }
        var filter = new ConflictFilter(kind, status, severity, source, facet, operationType, operationId, fromTime, toTime);
        if (WantsCsv(http.Request, format))
        {
            // The export streams every matching record (from the cursor, up to limit when given).
            await using var export = ConflictQuery.ListCommand(dataSource, filter, before, limit);
            await ConflictsCsv.WriteAsync(http.Response, export, ct);
            return Results.Empty;
        }
        var size = limit ?? DefaultLimit;
        await using var command = ConflictQuery.ListCommand(dataSource, filter, before, size + 1);
        var items = new List<JsonElement>(size + 1);
        var last = FeedCursor.Start;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (items.Count < size)
                {
                    last = new FeedCursor(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
                }
                using var record = JsonDocument.Parse(reader.GetString(2));
                items.Add(record.RootElement.Clone());
            }
        }
        var hasMore = items.Count > size;
        if (hasMore)
        {
            items.RemoveAt(items.Count - 1);
        }
        return TypedResults.Ok(new Page(items, hasMore ? last.Encode() : null));
    }

    private static async Task<IResult> GetAsync(string conflictId, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var record = await ConflictQuery.GetAsync(dataSource, conflictId, ct);
        if (record is null)
        {
            return UnknownConflict(conflictId);
        }
        var json = JsonNode.Parse(record)!.AsObject();
        var events = await EvidenceEventsAsync(dataSource, conflictId, ct);
        json["events"] = JsonSerializer.SerializeToNode(events, ApiJson.Options);
        return TypedResults.Text(json.ToJsonString(), "application/json");
    }

    /// <summary>The events that opened and closed the conflict, in stream order.</summary>
    private static async Task<IReadOnlyList<OperationsApi.StreamEvent>> EvidenceEventsAsync(NpgsqlDataSource dataSource, string conflictId, CancellationToken ct)
    {
        const string sql = """
            SELECT e.position, e.stream_id, c.operation_type, e.version, e.type, e.data::text, e.metadata::text, e.recorded_at, e.transaction_id
            FROM conflicts c JOIN events e ON e.stream_id = c.operation_id AND e.version = ANY(c.evidence_versions)
            WHERE c.conflict_id = $1
            ORDER BY e.version
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = conflictId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<OperationsApi.StreamEvent>();
        while (await reader.ReadAsync(ct))
        {
            events.Add(OperationsApi.ToStreamEvent(new RecordedEvent(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<ulong>(8))));
        }
        return events;
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

    /// <summary>The decider's refusals as problems: a closed conflict is 409, a bad resolution or override 400.</summary>
    public static IResult Rejected(CommandRejectedException e) => e.Code switch
    {
        "conflict-closed" => Problems.Result(StatusCodes.Status409Conflict, e.Code, "The conflict is already closed", e.Message + " Closed conflicts cannot be resolved again."),
        "unknown-conflict" => Problems.NotFound(e.Code, e.Message),
        _ => Problems.BadRequest(e.Code, e.Message),
    };
}
