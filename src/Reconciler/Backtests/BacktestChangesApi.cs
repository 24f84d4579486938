using System.Globalization;
using CsvHelper;
using Reconciler.Api;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Conflicts;
using Reconciler.Core.Backtests;
using Reconciler.Store.Backtests;
using Reconciler.Http;

namespace Reconciler.Backtests;

/// <summary>
/// <c>GET /v1/backtests/{id}/changes?kind=&amp;cursor=&amp;limit=</c>: the per-operation differences of a backtest, by operation id (the
/// what-if changes of each operation, and the decisions at risk), as JSON pages or, with <c>Accept: text/csv</c> or
/// <c>format=csv</c>, every one of them as CSV. While it runs, the pages hold what its committed pages found so far.
/// </summary>
public static class BacktestChangesApi
{
    /// <summary>The kinds of change: the what-if's, and the decisions at risk.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["outcome", "finality", "facet", "conflict", BacktestChanges.DecisionWhat];

    private static readonly string[] CsvColumns =
        ["operationId", "what", "subject", "before", "after", "decision", "decidedBy", "decidedAt", "reason", "approvedBy", "conflictKind"];

    public static IEndpointRouteBuilder MapBacktestChangesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/backtests/{id}/changes", ChangesAsync).Describe("listBacktestChanges", "A backtest's per-operation differences by operation id, paged; or every one of them as CSV")
            .WithTags(ApiTags.Backtests).Answers<BacktestChangePage>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .AlsoAnswers(StatusCodes.Status200OK, "text/csv", "The changes as JSON, or with Accept: text/csv or format=csv every change as CSV (RFC 4180, a header row; columns in docs/api.md).")
            .WithHeader(StatusCodes.Status200OK, "Content-Disposition", "CSV only: attachment; filename=\"{id}-changes.csv\".")
            .WithDescription("format=csv (or Accept: text/csv) streams every change instead. kind is one of outcome, finality, facet, conflict, decision.").RequireRole(Roles.Readers);
        return app;
    }

    private static async Task<IResult> ChangesAsync(HttpContext http, string id, string? kind, string? cursor, int? limit, string? format,
        BacktestStore backtests, BacktestChangeQuery changes, CancellationToken ct)
    {
        if (kind is not null && !Kinds.Contains(kind))
        {
            return Problems.BadRequest("invalid-query", $"kind must be one of {string.Join(", ", Kinds)}, not '{kind}'.", Problems.Field("kind"));
        }
        var (afterOperation, afterSeq) = ("", -1);
        if (cursor is not null && !BacktestCursor.TryDecode(cursor, out afterOperation, out afterSeq))
        {
            return Paging.InvalidCursor();
        }
        if (Paging.CheckLimit(limit) is { } invalidLimit)
        {
            return invalidLimit;
        }
        if (await backtests.GetAsync(id, ct) is null)
        {
            return BacktestsApi.Unknown(id);
        }
        if (string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)
            || http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)))
        {
            await WriteCsvAsync(http.Response, id, changes.ReadAllAsync(id, kind, ct), ct);
            return Results.Empty;
        }
        var size = limit ?? Paging.DefaultLimit;
        // One row more than asked says whether a next page exists.
        var rows = await changes.PageAsync(id, kind, afterOperation, afterSeq, size + 1, ct);
        var page = rows.Take(size).ToList();
        var next = rows.Count > size ? BacktestCursor.Encode(page[^1].OperationId, page[^1].Seq) : null;
        return TypedResults.Ok(new BacktestChangePage([.. page.Select(BacktestChange.Of)], next));
    }

    /// <summary>The changes as CSV (the product's dialect: RFC 4180, formulas escaped); a decision's who, when and why in their own columns.</summary>
    private static async Task WriteCsvAsync(HttpResponse response, string id, IAsyncEnumerable<BacktestChangeRow> changes, CancellationToken ct)
    {
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{id}-changes.csv\"";
        await using var csv = CsvWriter.Create(response.Body, ConflictsCsv.Dialect, leaveOpen: true);
        foreach (var column in CsvColumns)
        {
            csv.WriteField(column);
        }
        await csv.EndRecordAsync(ct);
        var rows = 0;
        await foreach (var row in changes)
        {
            var decision = row.Decision is { } json ? BacktestSummary.DecisionFromJson(json) : null;
            string?[] fields =
            [
                row.OperationId, row.What, row.Subject, row.Before, row.After, decision?.Decision, decision?.DecidedBy,
                decision?.DecidedAt.ToString("O", CultureInfo.InvariantCulture), decision?.Reason, decision?.ApprovedBy, decision?.Kind,
            ];
            foreach (var field in fields)
            {
                csv.WriteField(field ?? "");
            }
            await csv.EndRecordAsync(ct);
            if (++rows % 500 == 0)
            {
                await csv.FlushAsync(ct);
            }
        }
        await csv.FlushAsync(ct);
    }
}
