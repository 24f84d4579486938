using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Core.Backtests;
using Reconciler.Core.Policies;
using Reconciler.Http;
using Spectre.Console;

namespace Reconciler.Cli;

/// <summary>
/// <c>reconciler policies backtest &lt;candidate&gt; [--from T] [--to T] [--json]</c>: asks the running server for a backtest of a
/// candidate policy (POST /v1/policies/{type}/backtests), follows it with a progress bar and prints its summary as tables, or
/// with <c>--json</c> the summary as the API gives it. <c>--show &lt;id&gt;</c> prints a backtest asked for before. Interrupted
/// (Ctrl+C), it cancels the backtest on the server.
/// </summary>
public static class BacktestCommand
{
    public sealed record Request(string? CandidateFile, string? From, string? To, bool Json, string? Show);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    public static Command Create()
    {
        var file = new Argument<string?>("candidate") { Description = "The candidate policy: a .json file, or .yaml/.yml in the same shape", Arity = ArgumentArity.ZeroOrOne };
        var from = new Option<string?>("--from") { Description = "Only operations whose first signal is at or after this time (ISO-8601 with an offset)" };
        var to = new Option<string?>("--to") { Description = "Only operations whose first signal is before this time" };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON (as GET /v1/backtests/{id} gives it) instead of tables" };
        var show = new Option<string?>("--show") { Description = "Print a backtest asked for before, by its id, instead of starting one" };
        var command = new Command("backtest", "See what a candidate policy would change across the stored operations of its type before it goes live: outcomes, conflicts, decisions at risk. Calls the running server's HTTP API (auditor or admin key; --server, --key).")
        {
            file, from, to, json, show, ServerClient.Server, ServerClient.Key,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(file) is null) == (result.GetValue(show) is null))
            {
                result.AddError("Give a candidate policy file, or --show <backtestId>.");
            }
            foreach (var (option, name) in new[] { (from, "--from"), (to, "--to") })
            {
                if (result.GetValue(option) is { } time && !IsoTime.TryParse(time, out _))
                {
                    result.AddError(IsoTime.Problem(name, time));
                }
            }
        });
        command.SetAction((result, ct) => ServerClient.RunAsync("policies backtest", () => RunAsync(
            result.GetValue(ServerClient.Server)!, result.GetValue(ServerClient.Key), Console.Out,
            new Request(result.GetValue(file), result.GetValue(from), result.GetValue(to), result.GetValue(json), result.GetValue(show)), ct)));
        return command;
    }

    public static async Task RunAsync(string server, string? key, TextWriter output, Request request, CancellationToken ct)
    {
        using var client = new ServerClient(server, key);
        string id;
        if (request.Show is { } shown)
        {
            id = shown;
        }
        else
        {
            var json = PolicyFile.ReadAsJson(request.CandidateFile!);
            var type = JsonNode.Parse(json)!["operationType"]!.GetValue<string>();
            var query = string.Join('&', new[] { ("from", request.From), ("to", request.To) }.Where(p => p.Item2 is not null)
                .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
            var started = await client.SendJsonAsync(HttpMethod.Post, $"/v1/policies/{Uri.EscapeDataString(type)}/backtests{(query.Length > 0 ? "?" + query : "")}", json, ct);
            id = ServerClient.Text(started, "backtestId");
        }
        var console = ServerClient.ConsoleFor(output);
        var backtest = await FollowAsync(client, console, id, ct);
        if (ServerClient.Text(backtest, "status") != "done")
        {
            throw new ServerCallException($"backtest {id} {ServerClient.Text(backtest, "status")}{(backtest.TryGetProperty("error", out var error) ? ": " + error.GetString() : "")}");
        }
        if (request.Json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(backtest.GetProperty("summary"), new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        BacktestTables.Write(console, backtest);
    }

    /// <summary>Polls the backtest until it ends, with a progress bar on a terminal; interrupted, it cancels it on the server.</summary>
    private static async Task<JsonElement> FollowAsync(ServerClient client, IAnsiConsole console, string id, CancellationToken ct)
    {
        var path = $"/v1/backtests/{Uri.EscapeDataString(id)}";
        try
        {
            var backtest = await client.GetJsonAsync(path, ct);
            if (Ended(backtest) || !console.Profile.Capabilities.Interactive)
            {
                while (!Ended(backtest))
                {
                    await Task.Delay(Poll, ct);
                    backtest = await client.GetJsonAsync(path, ct);
                }
                return backtest;
            }
            await console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask($"Backtest {Markup.Escape(id)}");
                    while (!Ended(backtest))
                    {
                        var counts = backtest.GetProperty("progress");
                        task.MaxValue = counts.TryGetProperty("total", out var total) ? Math.Max(1, total.GetInt64()) : 1;
                        task.Value = counts.GetProperty("done").GetInt64();
                        await Task.Delay(Poll, ct);
                        backtest = await client.GetJsonAsync(path, ct);
                    }
                    task.Value = task.MaxValue;
                });
            return backtest;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await client.SendJsonAsync(HttpMethod.Delete, path, "", cancel.Token);
            throw new ServerCallException($"interrupted: backtest {id} is cancelled on the server");
        }
    }

    private static bool Ended(JsonElement backtest) => ServerClient.Text(backtest, "status") is "done" or "failed" or "cancelled";

    /// <summary>
    /// Before <c>policies put</c> stores a policy: says when a backtest of exactly this policy (by its content hash) ran, what it
    /// found, and offers to show it (on a terminal; otherwise names the command that does). Says nothing when there is none, and
    /// never stands in the way of storing (an unreachable list is no reason not to store).
    /// </summary>
    public static async Task OfferLastAsync(ServerClient client, string policyJson, TextWriter output, CancellationToken ct)
    {
        if (PolicyReader.Read(policyJson).Policy is not { } policy)
        {
            return;
        }
        JsonElement list;
        try
        {
            list = await client.GetJsonAsync(
                $"/v1/policies/{Uri.EscapeDataString(policy.OperationType)}/backtests?candidate={Uri.EscapeDataString(CandidateHash.Of(policy))}&status=done&limit=1", ct);
        }
        catch (ServerCallException)
        {
            return;
        }
        var items = list.GetProperty("items");
        if (items.GetArrayLength() == 0)
        {
            return;
        }
        var last = items[0];
        var summary = last.GetProperty("summary");
        var id = ServerClient.Text(last, "backtestId");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"A backtest of exactly this policy ran ({id}, ended {last.GetProperty("endedAt").GetDateTimeOffset():yyyy-MM-dd HH:mm} UTC): " +
            $"{summary.GetProperty("changed").GetInt64():N0} of {summary.GetProperty("operations").GetInt64():N0} operations change, " +
            $"{summary.GetProperty("decisionsAtRisk").GetProperty("total").GetInt64():N0} decisions at risk."));
        var console = ServerClient.ConsoleFor(output);
        if (console.Profile.Capabilities.Interactive && !Console.IsInputRedirected)
        {
            if (await new ConfirmationPrompt("Show it before storing?") { DefaultValue = false }.ShowAsync(console, ct))
            {
                BacktestTables.Write(console, last);
            }
            return;
        }
        await output.WriteLineAsync($"Show it with: reconciler policies backtest --show {id}");
    }
}
