using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Reconciler.Auth;
using Reconciler.Hosting;
using Reconciler.Store;
using Spectre.Console;

namespace Reconciler.Cli;

/// <summary>
/// <c>reconciler demo</c>: "see it work". A throw-away embedded PostgreSQL and an in-process server; the sample
/// policies and stories (samples/*/story.json) played over HTTP with one source key per system, while the outcome
/// feed is followed; then the agreed truth per operation and the disagreement report. Everything is removed at the end.
/// </summary>
public static class DemoCommand
{
    private const string AdminKey = "demo-admin-key";
    private const string FeedTypes = "ConflictOpened,ConflictResolved,OutcomeRetracted,OutcomeDeclared,OutcomeFinalized";

    public static Command Create()
    {
        var samples = new Option<string?>("--samples") { Description = "Folder holding order-fulfilment/ and streaming-entitlements/ (default: the bundled samples)" };
        var command = new Command("demo", "Play the two sample stories against a temporary embedded PostgreSQL and an in-process server, printing signals, conflicts, outcomes, the agreed truth and the disagreement report. Needs no running server; removes everything at the end (under a minute).")
        {
            samples,
        };
        command.SetAction((result, ct) => ServerClient.RunAsync("demo", () => RunAsync(Console.Out, result.GetValue(samples), ct)));
        return command;
    }

    public static async Task RunAsync(TextWriter output, string? samplesFolder, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var folder = samplesFolder ?? DemoStory.FindSamples();
        var stories = DemoStory.SampleFolders.Select(f => DemoStory.Load(Path.Combine(folder, f))).ToList();
        var console = ServerClient.ConsoleFor(output);
        console.MarkupLine("[bold]Reconciler demo[/]: starting a temporary PostgreSQL …");
        await using var postgres = await EmbeddedPostgres.StartAsync(EmbeddedPostgresOptions.Temporary("reconciler-demo"), ct);
        await using var dataSource = StoreDataSource.Create(postgres.ConnectionString);
        await new Migrator(dataSource).MigrateAsync(ct);
        // The server's own information logs would interleave with the story; warnings still show.
        Environment.SetEnvironmentVariable("Logging__LogLevel__Reconciler", "Warning");
        var app = ReconcilerApp.Build(dataSource, ["http://127.0.0.1:0"]);
        await using (app)
        {
            await app.Services.GetRequiredService<KeyStore>().EnsureBootstrapAdminAsync(AdminKey, ct);
            await app.StartAsync(ct);
            try
            {
                var server = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                console.MarkupLine($"Server listening on {Markup.Escape(server)} (PostgreSQL on port {postgres.Port}).");
                await PlayAsync(server, console, stories, ct);
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
            }
        }
        console.MarkupLine($"Done in {stopwatch.Elapsed.TotalSeconds:0.0} s; the temporary PostgreSQL and its folder are removed.");
    }

    private static async Task PlayAsync(string server, IAnsiConsole console, IReadOnlyList<DemoStory> stories, CancellationToken ct)
    {
        using var admin = new ServerClient(server, AdminKey);
        var feed = new FeedFollower(admin, console);
        var sources = new Dictionary<string, ServerClient>(StringComparer.Ordinal);
        try
        {
            foreach (var story in stories)
            {
                var stored = await admin.SendJsonAsync(HttpMethod.Put, $"/v1/policies/{story.OperationType}", story.PolicyJson, ct);
                console.WriteLine();
                console.Write(new Rule(Markup.Escape(story.Title)).LeftJustified());
                console.MarkupLine($"Policy [bold]{Markup.Escape(story.OperationType)}[/] v{ServerClient.Text(stored, "version")} stored (short grace windows and deadlines).");
                foreach (var source in story.Sources.Where(s => !sources.ContainsKey(s)))
                {
                    var created = await admin.SendJsonAsync(HttpMethod.Post, "/v1/keys", JsonSerializer.Serialize(new { role = "source", source, name = $"demo {source}" }), ct);
                    sources[source] = new ServerClient(server, ServerClient.Text(created, "key"));
                }
                foreach (var step in story.Steps)
                {
                    console.MarkupLine($"[grey]# {Markup.Escape(step.Note)}[/]");
                    if (step.Wait is { } wait)
                    {
                        if (console.Profile.Capabilities.Interactive)
                        {
                            // A spinner on a terminal while time passes; the feed's lines print above it.
                            await console.Status().StartAsync($"waiting {wait.TotalSeconds:0} s …", _ => feed.FollowAsync(wait, ct));
                        }
                        else
                        {
                            await feed.FollowAsync(wait, ct);
                        }
                        continue;
                    }
                    var response = await sources[step.Source!].SendJsonAsync(HttpMethod.Post, "/v1/signals", step.SignalJson!, ct);
                    var result = response.GetProperty("results")[0];
                    if (ServerClient.Text(result, "status") == "rejected")
                    {
                        var problem = result.GetProperty("problem");
                        console.MarkupLine($"  signal  {Markup.Escape(step.Describe())}: [red]rejected[/] ({Markup.Escape(ServerClient.Text(problem, "title"))}: {Markup.Escape(ServerClient.Text(problem, "detail"))})");
                        continue;
                    }
                    var opened = result.TryGetProperty("conflictsOpened", out var c) ? string.Join(", ", c.EnumerateArray().Select(x => ServerClient.Text(x, "kind"))) : "";
                    console.MarkupLine($"  signal  {Markup.Escape(step.Describe())}: [bold]{Markup.Escape(ServerClient.Text(result, "status"))}[/]" +
                        $" (outcome {Markup.Escape(ServerClient.Text(result, "outcome"))}, health {Markup.Escape(ServerClient.Text(result, "health"))}{JudgedAt(result)}{(opened.Length > 0 ? $", conflict: {Markup.Escape(opened)}" : "")})");
                    await feed.FollowAsync(TimeSpan.Zero, ct);
                }
            }
            console.WriteLine();
            console.Write(new Rule("Agreed truth").LeftJustified());
            foreach (var story in stories)
            {
                var truth = await admin.GetJsonAsync($"/v1/operations/{story.OperationId}", ct);
                ReplayCommand.WriteTruth(console, truth, story.OperationType);
            }
            var conflicts = await admin.GetJsonAsync("/v1/conflicts?limit=1000", ct);
            console.Write(ConflictsCommand.Table(conflicts.GetProperty("items").EnumerateArray(), "Conflict records").For(console));
            console.Write(DisagreementTable(await admin.GetJsonAsync("/v1/reports/disagreements", ct)));
        }
        finally
        {
            foreach (var client in sources.Values)
            {
                client.Dispose();
            }
        }
    }

    private static Table DisagreementTable(JsonElement report)
    {
        var table = new Table().Title("Disagreement report: which systems disagree, and for how long")
            .AddColumns("sources", "kind", "count", "open", "resolved", "p50 s", "p95 s", "max s");
        foreach (var group in report.GetProperty("groups").EnumerateArray())
        {
            // Left out when none of the group's conflicts is resolved.
            var times = group.TryGetProperty("timeToAgreementSeconds", out var given) ? given : default;
            table.AddRow(
                Markup.Escape(string.Join(" + ", group.GetProperty("sources").EnumerateArray().Select(s => s.GetString()))),
                Markup.Escape(ServerClient.Text(group, "kind")), ServerClient.Text(group, "count"), ServerClient.Text(group, "open"), ServerClient.Text(group, "resolved"),
                Seconds(times, "p50"), Seconds(times, "p95"), Seconds(times, "max"));
        }
        return table;
    }

    // A diverging operation is judged at its next deadline: say when, so that the wait that follows makes sense.
    private static string JudgedAt(JsonElement result) =>
        ServerClient.Text(result, "health") == "diverging" && result.TryGetProperty("nextDeadline", out var due)
            ? $", judged at {due.GetDateTimeOffset().ToUniversalTime().ToString("HH:mm:ss.f", System.Globalization.CultureInfo.InvariantCulture)} UTC"
            : "";

    private static string Seconds(JsonElement times, string name) =>
        times.ValueKind == JsonValueKind.Object && times.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble().ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-";

    private static string Sources(JsonElement data) =>
        data.TryGetProperty("sources", out var s) && s.ValueKind == JsonValueKind.Array ? string.Join(" vs ", s.EnumerateArray().Select(x => x.GetString())) : "";

    /// <summary>Follows GET /v1/feed from the start and prints conflicts and outcomes as they commit.</summary>
    private sealed class FeedFollower(ServerClient client, IAnsiConsole console)
    {
        private readonly Dictionary<string, string> _facets = new(StringComparer.Ordinal);
        private string? _cursor;

        public async Task FollowAsync(TimeSpan duration, CancellationToken ct)
        {
            var until = DateTime.UtcNow + duration;
            do
            {
                var left = until - DateTime.UtcNow;
                var wait = Math.Clamp((int)Math.Ceiling(left.TotalSeconds), 0, 1);
                var after = _cursor is null ? "" : $"&after={Uri.EscapeDataString(_cursor)}";
                var page = await client.GetJsonAsync($"/v1/feed?types={FeedTypes}&waitSeconds={wait}{after}", ct);
                _cursor = ServerClient.Text(page, "next") is { Length: > 0 } next ? next : _cursor;
                foreach (var item in page.GetProperty("items").EnumerateArray())
                {
                    Print(item);
                }
            }
            while (DateTime.UtcNow < until);
        }

        private void Print(JsonElement item)
        {
            var data = item.GetProperty("data");
            var operation = Markup.Escape(ServerClient.Text(item, "operationId"));
            var conflictId = ServerClient.Text(data, "conflictId");
            if (ServerClient.Text(data, "facet") is { Length: > 0 } facet)
            {
                _facets[conflictId] = facet; // ConflictResolved does not repeat it
            }
            var line = ServerClient.Text(item, "type") switch
            {
                "ConflictOpened" => $"  [yellow]conflict opened[/]   {operation}: {Markup.Escape(ServerClient.Text(data, "kind"))} on {Markup.Escape(ServerClient.Text(data, "facet"))} ({Markup.Escape(ServerClient.Text(data, "severity"))}; {Markup.Escape(Sources(data))})",
                "ConflictResolved" => $"  [green]conflict closed[/]   {operation}: {Markup.Escape(ServerClient.Text(data, "kind"))} on {Markup.Escape(_facets.GetValueOrDefault(conflictId, "-"))} {Markup.Escape(ServerClient.Text(data, "resolution"))} after {Seconds(data, "openSeconds")} s",
                "OutcomeDeclared" => $"  [bold]outcome[/]           {operation}: {Markup.Escape(ServerClient.Text(data, "previousOutcome"))} → [bold]{Markup.Escape(ServerClient.Text(data, "outcome"))}[/] ({Markup.Escape(ServerClient.Text(data, "finality"))})",
                "OutcomeRetracted" => $"  [red]outcome retracted[/] {operation}: {Markup.Escape(ServerClient.Text(data, "outcome"))} ({Markup.Escape(ServerClient.Text(data, "finality"))}), {Markup.Escape(ServerClient.Text(data, "reason"))}",
                "OutcomeFinalized" => $"  [bold]outcome final[/]     {operation}: {Markup.Escape(ServerClient.Text(data, "outcome"))}",
                var other => $"  {Markup.Escape(other)} {operation}",
            };
            console.MarkupLine(line);
        }
    }
}
