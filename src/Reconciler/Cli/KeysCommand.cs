using System.CommandLine;

namespace Reconciler.Cli;

/// <summary><c>reconciler keys create</c>: asks the running server for a new API key and prints it (shown once).</summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "source, auditor, resolver or admin", Required = true };
        role.AcceptOnlyFromAmong("source", "auditor", "resolver", "admin");
        var source = new Option<string?>("--source") { Description = "The source name a source key sends as (required for --role source)" };
        var name = new Option<string?>("--name") { Description = "Who or what the key is for" };
        var create = new Command("create", "Create an API key and print it (it is shown once). Calls the running server's HTTP API (POST /v1/keys; admin key; --server, --key).")
        {
            role, source, name, ServerClient.Server, ServerClient.Key,
        };
        create.Validators.Add(result =>
        {
            if (result.GetValue(role) == "source" && string.IsNullOrWhiteSpace(result.GetValue(source)))
            {
                result.AddError("A source key needs --source: the source name it may send signals as.");
            }
        });
        create.SetAction((result, ct) => ServerClient.RunAsync("keys create", () => CreateAsync(
            result.GetValue(ServerClient.Server)!, result.GetValue(ServerClient.Key), Console.Out,
            result.GetValue(role)!, result.GetValue(source), result.GetValue(name), ct)));
        return new Command("keys", "Manage API keys on a running server (HTTP API)") { create };
    }

    public static async Task CreateAsync(string server, string? key, TextWriter output, string role, string? source, string? name, CancellationToken ct)
    {
        using var client = new ServerClient(server, key);
        var body = System.Text.Json.JsonSerializer.Serialize(new { role, source, name });
        var created = await client.SendJsonAsync(HttpMethod.Post, "/v1/keys", body, ct);
        await output.WriteLineAsync($"id:     {ServerClient.Text(created, "id")}");
        await output.WriteLineAsync($"role:   {ServerClient.Text(created, "role")}{(source is null ? "" : $" (source {source})")}");
        await output.WriteLineAsync($"key:    {ServerClient.Text(created, "key")}");
        await output.WriteLineAsync("Keep the key now: the server stores only its hash and cannot show it again.");
    }
}
