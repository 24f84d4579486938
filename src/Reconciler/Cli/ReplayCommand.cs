using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

using Reconciler.Responses;

namespace Reconciler.Cli;

/// <summary>
/// <c>reconciler replay &lt;operationId&gt;</c>: the operation's timeline (time, source, signal, decision) and its truth at
/// that point, read from a running server (GET /v1/operations/{id}[?at|version] and /events; POST /what-if).
/// </summary>
public static class ReplayCommand
{
    public sealed record Request(string OperationId, DateTimeOffset? At, long? Version, string? WhatIfPolicyFile, bool Json);

    public static Command Create()
    {
        var operationId = new Argument<string>("operationId") { Description = "The operation to replay" };
        var at = new Option<DateTimeOffset?>("--at") { Description = "Show the truth as it stood at this time (ISO-8601)" };
        var version = new Option<long?>("--version") { Description = "Show the truth as it stood after this stream version" };
        var whatIf = new Option<string?>("--what-if") { Description = "A candidate policy file (JSON or YAML): re-judge the history under it, nothing stored" };
        var json = new Option<bool>("--json") { Description = "Print JSON for machines instead of tables" };
        var command = new Command("replay", "Show an operation's timeline and its agreed truth at a point in time, optionally under a candidate policy. Calls the running server's HTTP API (--server, --key).")
        {
            operationId, at, version, whatIf, json, ServerClient.Server, ServerClient.Key,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(at) is not null && result.GetValue(version) is not null)
            {
                result.AddError("Give --at or --version, not both.");
            }
        });
        command.SetAction((result, ct) => ServerClient.RunAsync("replay", () => RunAsync(
            result.GetValue(ServerClient.Server)!, result.GetValue(ServerClient.Key), Console.Out,
            new Request(result.GetValue(operationId)!, result.GetValue(at), result.GetValue(version), result.GetValue(whatIf), result.GetValue(json)), ct)));
        return command;
    }

    public static async Task RunAsync(string server, string? key, TextWriter output, Request request, CancellationToken ct)
    {
        using var client = new ServerClient(server, key);
        var id = Uri.EscapeDataString(request.OperationId);
        var query = request.At is { } at ? $"?at={Uri.EscapeDataString(at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture))}"
            : request.Version is { } v ? $"?version={v}" : "";
        var truth = await client.GetJsonAsync($"/v1/operations/{id}{query}", ct);
        var events = await client.GetJsonAsync($"/v1/operations/{id}/events", ct);
        var timeline = events.EnumerateArray().Where(e => Included(e, request)).ToList();
        JsonElement? whatIf = null;
        if (request.WhatIfPolicyFile is { } file)
        {
            var policy = PolicyFile.ReadAsJson(file);
            whatIf = await client.SendJsonAsync(HttpMethod.Post, $"/v1/operations/{id}/what-if", policy, ct);
        }
        if (request.Json)
        {
            var document = new Dictionary<string, object?> { ["operationId"] = request.OperationId, ["timeline"] = timeline, ["truth"] = truth };
            if (whatIf is not null)
            {
                document["whatIf"] = whatIf;
            }
            await output.WriteLineAsync(JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        var console = ServerClient.ConsoleFor(output);
        console.Write(TimelineTable(request, timeline).For(console));
        WriteTruth(console, truth, request.At is not null || request.Version is not null ? "Truth at that point" : "Agreed truth");
        if (whatIf is { } w)
        {
            WriteTruth(console, w.GetProperty("truth"), $"What-if: outcome {ServerClient.Text(w, "outcome")} (today {ServerClient.Text(w, "currentOutcome")})");
            var changes = new CliTable("What-if changes against today",
                new CliColumn("what"), new CliColumn("subject", CliWrap.Never), new CliColumn("before"), new CliColumn("after"));
            foreach (var change in w.GetProperty("changes").EnumerateArray())
            {
                changes.AddRow(ServerClient.Text(change, "what"), ServerClient.Text(change, "subject"), ServerClient.Text(change, "before"), ServerClient.Text(change, "after"));
            }
            console.Write(changes.For(console));
        }
    }

    private static bool Included(JsonElement e, Request request) =>
        request.Version is { } v ? e.GetProperty("version").GetInt64() <= v
        : request.At is not { } at || e.GetProperty("time").GetDateTimeOffset() <= at;

    private static CliTable TimelineTable(Request request, IReadOnlyList<JsonElement> events)
    {
        var table = new CliTable($"Timeline of {request.OperationId}",
            new CliColumn("v", CliWrap.Never), new CliColumn("time"), new CliColumn("source"), new CliColumn("signal"), new CliColumn("decision"));
        foreach (var e in events)
        {
            var data = e.GetProperty("data");
            table.AddRow(
                ServerClient.Text(e, "version"),
                e.GetProperty("time").GetDateTimeOffset().ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
                ServerClient.Text(data, "source") is { Length: > 0 } s ? s : "engine",
                SignalWithProvenance(e, data),
                EventLines.Decision(ServerClient.Text(e, "type"), data));
        }
        return table;
    }

    /// <summary>The signal an event records, and which inbound mapping made it (only signal events name one).</summary>
    private static string SignalWithProvenance(JsonElement e, JsonElement data) =>
        Signal(data) is { Length: > 0 } signal && EventLines.Via(e.TryGetProperty("metadata", out var metadata) ? metadata : null) is { Length: > 0 } via
            ? $"{signal} ({via})"
            : Signal(data);

    private static string Signal(JsonElement data) => ServerClient.Text(data, "signalId") is { Length: > 0 } signalId
        ? $"{signalId}: {ServerClient.Text(data, "facet")} = {ServerClient.Text(data, "state")}"
        : "";

    private static string Or(string value, string fallback) => value.Length > 0 ? value : fallback;

    /// <summary>The truth's facets, then its open conflicts in a table of their own (they are not facets).</summary>
    public static void WriteTruth(IAnsiConsole console, JsonElement truth, string title)
    {
        ArgumentNullException.ThrowIfNull(console);
        var facets = new CliTable(
            $"{title}: {ServerClient.Text(truth, "operationId")} v{ServerClient.Text(truth, "version")} — outcome {ServerClient.Text(truth, "outcome")} ({ServerClient.Text(truth, "finality")}), health {ServerClient.Text(truth, "health")}",
            new CliColumn("facet"), new CliColumn("state"), new CliColumn("source"), new CliColumn("basis"), new CliColumn("claims"));
        if (truth.TryGetProperty("facets", out var all) && all.ValueKind == JsonValueKind.Object)
        {
            foreach (var facet in all.EnumerateObject())
            {
                var claims = facet.Value.TryGetProperty("claims", out var c) && c.ValueKind == JsonValueKind.Array && c.GetArrayLength() > 0
                    ? string.Join(", ", c.EnumerateArray().Select(claim => $"{ServerClient.Text(claim, "source")}={ServerClient.Text(claim, "state")}"))
                    : "nobody has reported it";
                facets.AddRow(facet.Name, Or(ServerClient.Text(facet.Value, "state"), "—"), Or(ServerClient.Text(facet.Value, "source"), "—"),
                    ServerClient.Text(facet.Value, "basis"), claims);
            }
        }
        console.Write(facets.For(console));
        var open = new CliTable("Open conflicts",
            new CliColumn("conflict", CliWrap.Never), new CliColumn("kind"), new CliColumn("severity"), new CliColumn("facet"), new CliColumn("sources"), new CliColumn("opened"));
        if (truth.TryGetProperty("openConflicts", out var conflicts) && conflicts.ValueKind == JsonValueKind.Array)
        {
            foreach (var conflict in conflicts.EnumerateArray())
            {
                var sources = conflict.TryGetProperty("sources", out var s) && s.ValueKind == JsonValueKind.Array
                    ? string.Join(", ", s.EnumerateArray().Select(x => x.GetString())) : "";
                open.AddRow(ServerClient.Text(conflict, "conflictId"), ServerClient.Text(conflict, "kind"), ServerClient.Text(conflict, "severity"),
                    Or(ServerClient.Text(conflict, "facet"), "—"), sources,
                    conflict.GetProperty("openedAt").GetDateTimeOffset().ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            }
        }
        if (open.RowCount > 0)
        {
            console.Write(open.For(console));
        }
        else
        {
            console.WriteLine("No open conflicts.");
        }
    }
}
