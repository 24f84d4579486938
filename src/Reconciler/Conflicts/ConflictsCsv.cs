using System.Text;
using System.Text.Json;
using Npgsql;

namespace Reconciler.Conflicts;

/// <summary>
/// The CSV export of conflict records (RFC 4180: CRLF rows, fields quoted when they hold a comma, quote,
/// CR or LF, quotes doubled). Rows are streamed from the reader to the response as they come; list
/// fields (sources, states, evidence, evidenceVersions) are joined with ';'.
/// </summary>
public static class ConflictsCsv
{
    public static readonly string[] Columns =
    [
        "conflictId", "operationId", "operationType", "kind", "severity", "facet", "sources", "states", "status",
        "openedAt", "firstOpenedAt", "resolvedAt", "resolution", "resolvedBy", "reason", "occurrences", "expectationIndex",
        "detail", "evidence", "evidenceVersions",
    ];

    public static async Task WriteAsync(HttpResponse response, NpgsqlCommand command, CancellationToken ct)
    {
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = "attachment; filename=\"conflicts.csv\"";
        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false), 16 * 1024, leaveOpen: true);
        await writer.WriteAsync(string.Join(',', Columns) + "\r\n");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = 0;
        var line = new StringBuilder();
        while (await reader.ReadAsync(ct))
        {
            using var record = JsonDocument.Parse(reader.GetString(1));
            line.Clear();
            for (var i = 0; i < Columns.Length; i++)
            {
                if (i > 0)
                {
                    line.Append(',');
                }
                AppendField(line, record.RootElement.TryGetProperty(Columns[i], out var value) ? Text(value) : "");
            }
            line.Append("\r\n");
            await writer.WriteAsync(line, ct);
            if (++rows % 500 == 0)
            {
                await writer.FlushAsync(ct);
            }
        }
        await writer.FlushAsync(ct);
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.Array => string.Join(';', value.EnumerateArray().Select(Text)),
        _ => value.GetRawText(),
    };

    public static void AppendField(StringBuilder line, string field)
    {
        if (field.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            line.Append(field);
            return;
        }
        line.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
