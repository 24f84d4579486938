using System.CommandLine;
using System.Text.Json.Nodes;
using Reconciler.Backtests;

namespace Reconciler.Cli;

/// <summary><c>reconciler policies put &lt;file&gt;</c>: validates a JSON or YAML policy locally and PUTs it to the running server;
/// <c>reconciler policies backtest</c>: <see cref="BacktestCommand"/>.</summary>
public static class PoliciesCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The policy: a .json file, or .yaml/.yml in the same shape" };
        var put = new Command("put", "Validate a policy file (JSON or YAML) and store it as the next version of its operation type. Calls the running server's HTTP API (PUT /v1/policies/{operationType}; admin key; --server, --key).")
        {
            file, ServerClient.Server, ServerClient.Key,
        };
        put.SetAction((result, ct) => ServerClient.RunAsync("policies put", () =>
            PutAsync(result.GetValue(ServerClient.Server)!, result.GetValue(ServerClient.Key), Console.Out, result.GetValue(file)!, ct)));
        return new Command("policies", "Manage truth policies on a running server (HTTP API)") { put, BacktestCommand.Create() };
    }

    public static async Task PutAsync(string server, string? key, TextWriter output, string file, CancellationToken ct)
    {
        var json = PolicyFile.ReadAsJson(file);
        var operationType = JsonNode.Parse(json)!["operationType"]!.GetValue<string>();
        using var client = new ServerClient(server, key);
        await BacktestCommand.OfferLastAsync(client, json, output, ct);
        var (status, stored) = await client.SendJsonWithStatusAsync(HttpMethod.Put, $"/v1/policies/{Uri.EscapeDataString(operationType)}", json, ct);
        var version = ServerClient.Text(stored, "version");
        await output.WriteLineAsync(status == StatusCodes.Status201Created
            ? $"Stored policy '{operationType}' version {version}."
            : $"Policy '{operationType}' is unchanged: version {version} already says the same, so no version was added.");
    }
}
