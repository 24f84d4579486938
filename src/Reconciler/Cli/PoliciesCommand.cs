using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reconciler.Cli;

/// <summary>
/// <c>reconciler policies put &lt;file&gt; [--no-rejudge]</c>: validates a JSON or YAML policy locally and PUTs it to the running
/// server; <c>reconciler policies rejudge &lt;operationType&gt;</c>: starts re-judging under the newest version;
/// <c>reconciler policies backtest</c>: <see cref="BacktestCommand"/>.
/// </summary>
public static class PoliciesCommand
{
    private static readonly Option<bool> NoRejudge = new("--no-rejudge")
    {
        Description = "Store the version without re-judging the signals held by open unmodeled conflicts (start it later with `policies rejudge`)",
    };

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The policy: a .json file, or .yaml/.yml in the same shape" };
        var put = new Command("put", "Validate a policy file (JSON or YAML) and store it as the next version of its operation type. Calls the running server's HTTP API (PUT /v1/policies/{operationType}; admin key; --server, --key).")
        {
            file, NoRejudge, ServerClient.Server, ServerClient.Key,
        };
        put.SetAction((result, ct) => ServerClient.RunAsync("policies put", () =>
            PutAsync(result.GetValue(ServerClient.Server)!, result.GetValue(ServerClient.Key), Console.Out, result.GetValue(file)!, ct, rejudge: !result.GetValue(NoRejudge))));
        var operationType = new Argument<string>("operationType") { Description = "The operation type whose newest policy version judges again" };
        var rejudge = new Command("rejudge", "Judge again, under the newest policy version, the signals held by the type's open unmodeled conflicts (POST /v1/policies/{operationType}/rejudge; admin key).")
        {
            operationType, ServerClient.Server, ServerClient.Key,
        };
        rejudge.SetAction((result, ct) => ServerClient.RunAsync("policies rejudge", () =>
            RejudgeAsync(result.GetValue(ServerClient.Server)!, result.GetValue(ServerClient.Key), Console.Out, result.GetValue(operationType)!, ct)));
        return new Command("policies", "Manage truth policies on a running server (HTTP API)") { put, rejudge, BacktestCommand.Create() };
    }

    public static async Task PutAsync(string server, string? key, TextWriter output, string file, CancellationToken ct, bool rejudge = true)
    {
        var json = PolicyFile.ReadAsJson(file);
        var operationType = JsonNode.Parse(json)!["operationType"]!.GetValue<string>();
        using var client = new ServerClient(server, key);
        await BacktestCommand.OfferLastAsync(client, json, output, ct);
        var path = $"/v1/policies/{Uri.EscapeDataString(operationType)}" + (rejudge ? "" : "?rejudge=false");
        var (status, stored) = await client.SendJsonWithStatusAsync(HttpMethod.Put, path, json, ct);
        var version = ServerClient.Text(stored, "version");
        await output.WriteLineAsync(status == StatusCodes.Status201Created
            ? $"Stored policy '{operationType}' version {version}."
            : $"Policy '{operationType}' is unchanged: version {version} already says the same, so no version was added.");
        if (stored.TryGetProperty("rejudging", out var run) && run.ValueKind == JsonValueKind.Object)
        {
            await output.WriteLineAsync(Progress(operationType, run));
        }
        else if (!rejudge && status == StatusCodes.Status201Created)
        {
            await output.WriteLineAsync($"Nothing was re-judged; `reconciler policies rejudge {operationType}` starts it when you are ready.");
        }
    }

    public static async Task RejudgeAsync(string server, string? key, TextWriter output, string operationType, CancellationToken ct)
    {
        using var client = new ServerClient(server, key);
        var run = await client.SendJsonAsync(HttpMethod.Post, $"/v1/policies/{Uri.EscapeDataString(operationType)}/rejudge", "{}", ct);
        await output.WriteLineAsync(Progress(operationType, run));
    }

    private static string Progress(string operationType, JsonElement run)
    {
        var (done, pending) = (run.GetProperty("done").GetInt64(), run.GetProperty("pending").GetInt64());
        return $"Re-judging under version {ServerClient.Text(run, "policyVersion")} in the background: {done} of {done + pending} open unmodeled "
            + $"conflicts looked at so far (`GET /v1/policies/{operationType}` shows how far it is).";
    }
}
