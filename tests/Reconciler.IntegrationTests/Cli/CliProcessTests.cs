using System.Diagnostics;
using System.Net;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Cli;

/// <summary>
/// The built executables as processes against a real server: the command-line wiring of the client commands
/// (options, RECONCILER_KEY, exit codes), and the FeedConsumer sample following the SSE feed across a restart.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CliProcessTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private readonly ApiServer _server = api.Server;

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(string dll, string? key, params string[] args) =>
        CliProcess.RunAsync(dll, key, null, args);

    private static string Reconciler => CliProcess.Reconciler;

    [Fact]
    public async Task Given_the_key_in_RECONCILER_KEY_when_keys_create_and_conflicts_run_as_processes_then_they_succeed()
    {
        var server = _server.BaseAddress.ToString();

        var created = await RunAsync(Reconciler, ApiServer.AdminSecret, "keys", "create", "--role", "auditor", "--name", "proc", "--server", server);
        var key = created.Output.Split('\n').Single(l => l.StartsWith("key:", StringComparison.Ordinal))["key:".Length..].Trim();
        var conflicts = await RunAsync(Reconciler, key, "conflicts", "--format", "csv", "--status", "open", "--server", server);

        Assert.True(created.ExitCode == 0, created.Output + created.Error);
        Assert.True(conflicts.ExitCode == 0, conflicts.Output + conflicts.Error);
        Assert.StartsWith("conflictId", conflicts.Output.Split('\n')[0].Split(',')[0].Trim('"'));
    }

    [Fact]
    public async Task Given_no_key_when_replay_runs_then_it_exits_1_saying_the_server_refused()
    {
        var result = await RunAsync(Reconciler, null, "replay", "nothing-here", "--server", _server.BaseAddress.ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("401", result.Error);
    }

    [Fact]
    public async Task Given_the_feed_consumer_sample_when_restarted_then_it_resumes_after_its_saved_cursor()
    {
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(repo.FullName, "Reconciler.sln")))
        {
            repo = repo.Parent ?? throw new InvalidOperationException("Reconciler.sln not found above the test output");
        }
        var work = Directory.CreateTempSubdirectory("feed-consumer-");
        try
        {
            var build = await RunAsync("build", null, Path.Combine(repo.FullName, "samples", "http", "FeedConsumer", "FeedConsumer.csproj"), "-o", Path.Combine(work.FullName, "bin"));
            Assert.True(build.ExitCode == 0, build.Output);
            await _server.PutPolicyAsync(TestPolicies.Order(type: "feed-consumer"));
            var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
            var erp = await _server.ClientWithRoleAsync("source", source: "erp");
            var warehouse = await _server.ClientWithRoleAsync("source", source: "warehouse");
            var auditor = await _server.ClientWithRoleAsync("auditor", name: "feed-consumer");
            var auditorKey = auditor.DefaultRequestHeaders.Authorization!.Parameter!;
            var cursorFile = Path.Combine(work.FullName, "cursor");

            async Task SucceedAsync(string operationId)
            {
                await ApiCalls.SendOneAsync(gateway, operationId, $"{operationId}-p", "payment", "captured", "feed-consumer");
                await ApiCalls.SendOneAsync(warehouse, operationId, $"{operationId}-w", "inventory", "reserved", "feed-consumer");
                await ApiCalls.SendOneAsync(erp, operationId, $"{operationId}-e", "ledger", "recorded", "feed-consumer");
            }

            await SucceedAsync("fc-1");
            var first = await FollowUntilAsync(work.FullName, auditorKey, cursorFile, "fc-1: pending -> succeeded");
            await SucceedAsync("fc-2");
            var second = await FollowUntilAsync(work.FullName, auditorKey, cursorFile, "fc-2: pending -> succeeded");

            Assert.Contains("fc-1: pending -> succeeded", first);
            Assert.Contains("resuming after", second);
            Assert.DoesNotContain("fc-1:", second);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Runs the consumer until it prints <paramref name="expected"/>, then kills it (a crash, not a clean stop).</summary>
    private async Task<string> FollowUntilAsync(string work, string key, string cursorFile, string expected)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(work, "bin", "FeedConsumer.dll"));
        start.ArgumentList.Add(_server.BaseAddress.ToString());
        start.ArgumentList.Add(cursorFile);
        start.Environment["RECONCILER_KEY"] = key;
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < until && !output.ToString().Contains(expected, StringComparison.Ordinal))
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(until - DateTime.UtcNow);
            if (line is null)
            {
                break;
            }

            output.AppendLine(line);
        }
        await Task.Delay(300); // the cursor is saved right after the line is printed
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        return output.ToString();
    }
}
