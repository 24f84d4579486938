using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Reconciler.Conflicts;
using Spectre.Console;

namespace Reconciler.Cli;

/// <summary><c>reconciler conflicts</c>: conflict records from a running server (GET /v1/conflicts), as a table, CSV or JSON.</summary>
public static class ConflictsCommand
{
    public sealed record Query(string? Kind, string? Status, string? Source, string? Facet, DateTimeOffset? Since, string Format);

    public static Command Create()
    {
        var kind = new Option<string?>("--kind") { Description = "duplicate, retry, disagreement, missing, stale, … " };
        var status = new Option<string?>("--status") { Description = "open or resolved" };
        status.AcceptOnlyFromAmong("open", "resolved");
        var source = new Option<string?>("--source") { Description = "Only conflicts involving this source" };
        var facet = new Option<string?>("--facet") { Description = "Only conflicts on this facet" };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only conflicts opened at or after this time (ISO-8601)" };
        var format = new Option<string>("--format") { Description = "table, csv or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var command = new Command("conflicts", "List conflict records by kind, status, source, facet and time. Calls the running server's HTTP API (GET /v1/conflicts; auditor key; --server, --key).")
        {
            kind, status, source, facet, since, format, ServerClient.Server, ServerClient.Key,
        };
        command.SetAction((result, ct) => ServerClient.RunAsync("conflicts", () => RunAsync(
            result.GetValue(ServerClient.Server)!, result.GetValue(ServerClient.Key), Console.Out,
            new Query(result.GetValue(kind), result.GetValue(status), result.GetValue(source), result.GetValue(facet), result.GetValue(since), result.GetValue(format)!), ct)));
        return command;
    }

    public static async Task RunAsync(string server, string? key, TextWriter output, Query query, CancellationToken ct)
    {
        using var client = new ServerClient(server, key);
        var path = "/v1/conflicts" + QueryString(query);
        if (query.Format == "csv")
        {
            // The server streams the whole export itself.
            await output.WriteAsync(await client.GetTextAsync(path, "text/csv", ct));
            return;
        }
        var records = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetJsonAsync(path + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"), ct);
            records.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        if (query.Format == "json")
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(records, new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        var console = ServerClient.ConsoleFor(output);
        console.Write(Table(records, $"{records.Count} conflict(s)").For(console));
    }

    /// <summary>Conflict records as a table whose ids never wrap (one block per record on a narrow terminal).</summary>
    public static CliTable Table(IEnumerable<JsonElement> records, string title)
    {
        var table = new CliTable(title,
            new CliColumn("conflict", CliWrap.Never), new CliColumn("operation", CliWrap.Never), new CliColumn("opened"), new CliColumn("kind"),
            new CliColumn("severity"), new CliColumn("facet"), new CliColumn("sources"), new CliColumn("status"), new CliColumn("differences", CliWrap.Anywhere));
        foreach (var r in records)
        {
            var sources = r.TryGetProperty("sources", out var s) && s.ValueKind == JsonValueKind.Array
                ? string.Join(", ", s.EnumerateArray().Select(x => x.GetString())) : "";
            var status = ServerClient.Text(r, "status");
            var resolution = ServerClient.Text(r, "resolution");
            table.AddRow(
                ServerClient.Text(r, "conflictId"), ServerClient.Text(r, "operationId"), Time(ServerClient.Text(r, "openedAt")),
                ServerClient.Text(r, "kind"), ServerClient.Text(r, "severity"), ServerClient.Text(r, "facet"), sources,
                resolution.Length > 0 ? $"{status} ({resolution})" : status, DifferencesText.OfRecord(r));
        }
        return table;
    }

    private static string Time(string iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : iso;

    private static string QueryString(Query query)
    {
        var parts = new List<string> { "limit=1000" };
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parts.Add($"{name}={Uri.EscapeDataString(value)}");
            }
        }
        Add("kind", query.Kind);
        Add("status", query.Status);
        Add("source", query.Source);
        Add("facet", query.Facet);
        Add("from", query.Since?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        return "?" + string.Join("&", parts);
    }
}
