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
        ServerClient.ConsoleFor(output).Write(Table(records, $"{records.Count} conflict(s)"));
    }

    public static Table Table(IEnumerable<JsonElement> records, string title)
    {
        var table = new Table().Title(Markup.Escape(title))
            .AddColumns("opened", "operation", "kind", "severity", "facet", "sources", "differences", "status", "resolution", "conflict");
        foreach (var r in records)
        {
            var sources = r.TryGetProperty("sources", out var s) && s.ValueKind == JsonValueKind.Array
                ? string.Join(", ", s.EnumerateArray().Select(x => x.GetString())) : "";
            table.AddRow(
                Markup.Escape(Time(ServerClient.Text(r, "openedAt"))), Markup.Escape(ServerClient.Text(r, "operationId")),
                Markup.Escape(ServerClient.Text(r, "kind")), Markup.Escape(ServerClient.Text(r, "severity")), Markup.Escape(ServerClient.Text(r, "facet")),
                Markup.Escape(sources), Markup.Escape(DifferencesText.OfRecord(r)), Markup.Escape(ServerClient.Text(r, "status")), Markup.Escape(ServerClient.Text(r, "resolution")),
                Markup.Escape(ServerClient.Text(r, "conflictId")));
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
