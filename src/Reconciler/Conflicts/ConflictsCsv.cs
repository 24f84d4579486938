using System.Text.Json;
using CsvHelper;

namespace Reconciler.Conflicts;

/// <summary>
/// The CSV export of conflict records, written by CsvHelper (RFC 4180: CRLF rows, quoted fields, doubled
/// quotes). Rows stream from the reader to the response as they come; list fields (sources, states,
/// evidence, evidenceVersions) are joined with ';', and <c>differences</c> is flattened to one readable cell
/// (<see cref="DifferencesText"/>). A cell that a spreadsheet would run as a formula
/// (it starts with =, +, -, @, a tab or CR) is neutralised with a leading apostrophe, as OWASP advises;
/// the JSON API keeps every value as it is.
/// </summary>
public static class ConflictsCsv
{
    public static readonly string[] Columns =
    [
        "conflictId", "operationId", "operationType", "kind", "severity", "facet", "sources", "states", "status",
        "openedAt", "firstOpenedAt", "resolvedAt", "resolution", "resolvedBy", "reason", "occurrences", "expectationIndex",
        "detail", "evidence", "evidenceVersions", "differences", "cause", "assignee", "dueBy", "acknowledgedBy",
    ];

    /// <summary>The product's CSV dialect (RFC 4180, formulas escaped); every CSV it writes uses it.</summary>
    public static CsvWriterOptions Dialect { get; } = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };

    public static async Task WriteAsync(HttpResponse response, IAsyncEnumerable<string> records, CancellationToken ct)
    {
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = "attachment; filename=\"conflicts.csv\"";
        await using var csv = CsvWriter.Create(response.Body, Dialect, leaveOpen: true);
        foreach (var column in Columns)
        {
            csv.WriteField(column);
        }
        await csv.EndRecordAsync(ct);
        var rows = 0;
        await foreach (var text in records.WithCancellation(ct))
        {
            using var record = JsonDocument.Parse(text);
            foreach (var column in Columns)
            {
                csv.WriteField(!record.RootElement.TryGetProperty(column, out var value) ? ""
                    : column == "differences" ? DifferencesText.Of(value)
                    : Text(value));
            }
            await csv.EndRecordAsync(ct);
            if (++rows % 500 == 0)
            {
                await csv.FlushAsync(ct);
            }
        }
        await csv.FlushAsync(ct);
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.Array => string.Join(';', value.EnumerateArray().Select(Text)),
        _ => value.GetRawText(),
    };
}
