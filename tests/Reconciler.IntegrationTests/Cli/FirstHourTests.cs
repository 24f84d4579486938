using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Reconciler.IntegrationTests.Api;
using Reconciler.Testing;

namespace Reconciler.IntegrationTests.Cli;

/// <summary>
/// What a newcomer meets in the first hour, through the real executable as a process: paths relative to the
/// folder the command is typed in, error messages that say what a CLI user should do, a policy file written by
/// hand, and a server that cannot start saying why in one line.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FirstHourTests(ApiServerFixture api, PostgresFixture postgres) : IClassFixture<ApiServerFixture>
{
    private readonly ApiServer _server = api.Server;
    private static string Reconciler => Path.Combine(AppContext.BaseDirectory, "reconciler.dll");

    [Fact]
    public async Task Given_a_commented_policy_file_named_relative_to_the_working_folder_when_put_twice_then_it_is_stored_once_and_then_unchanged()
    {
        var folder = Directory.CreateTempSubdirectory("first-hour-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "policies"));
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "policies", "order.json"), """
                {
                  // written by hand: comments and a trailing comma
                  "operationType": "first-hour",
                  "facets": { "payment": { "owner": "gateway", "states": ["captured"], }, },
                }
                """);

            var first = await RunAsync(folder.FullName, ApiServer.AdminSecret, "policies", "put", "policies/order.json", "--server", Url);
            var second = await RunAsync(folder.FullName, ApiServer.AdminSecret, "policies", "put", "policies/order.json", "--server", Url);

            Assert.True(first.ExitCode == 0, first.Error);
            Assert.Equal("Stored policy 'first-hour' version 1.", first.Output.Trim());
            Assert.True(second.ExitCode == 0, second.Error);
            Assert.Equal("Policy 'first-hour' is unchanged: version 1 already says the same, so no version was added.", second.Output.Trim());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Given_no_key_when_a_client_command_runs_then_it_names_the_url_and_says_to_pass_a_key()
    {
        var result = await RunAsync(Path.GetTempPath(), null, "conflicts", "--server", Url);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"reconciler conflicts: GET {Url}v1/conflicts?", result.Error);
        Assert.Contains("401", result.Error);
        Assert.Contains("--key <key> or set RECONCILER_KEY", result.Error);
        Assert.Contains("RECONCILER_BOOTSTRAP_ADMIN_KEY", result.Error);
        Assert.DoesNotContain("Authorization: Bearer", result.Error);
    }

    [Fact]
    public async Task Given_a_taken_port_when_serve_starts_then_it_says_so_in_one_line_and_exits_2()
    {
        await using var db = await postgres.CreateDatabaseAsync(nameof(Given_a_taken_port_when_serve_starts_then_it_says_so_in_one_line_and_exits_2));
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var result = await RunAsync(Path.GetTempPath(), null, "serve", "--urls", url, "--connection", db.ConnectionString);

        Assert.Equal(2, result.ExitCode);
        var error = result.Error.Trim();
        Assert.Equal($"reconciler serve: cannot listen on {url}: the address is in use (another server?). Stop that process, or choose another address with --urls, for example --urls http://127.0.0.1:5081", error);
        Assert.DoesNotContain("Exception", result.Output + result.Error);
    }

    [Fact]
    public async Task Given_a_database_without_admin_keys_when_serve_starts_then_it_says_how_to_make_the_first()
    {
        await using var db = await postgres.CreateDatabaseAsync(nameof(Given_a_database_without_admin_keys_when_serve_starts_then_it_says_how_to_make_the_first));
        var help = await RunAsync(Path.GetTempPath(), null, "serve", "--help");

        await using var server = await ServerProcess.StartAsync(
            ["--connection", db.ConnectionString], new Dictionary<string, string> { ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = "" }, TimeSpan.FromSeconds(90));

        Assert.Contains("RECONCILER_BOOTSTRAP_ADMIN_KEY=<secret>", help.Output);
        Assert.Contains("No admin key exists yet", server.Output);
        Assert.Contains("RECONCILER_BOOTSTRAP_ADMIN_KEY=", server.Output);
    }

    [Fact]
    public async Task Given_no_data_dir_when_migrate_runs_then_the_embedded_database_is_in_the_working_folder()
    {
        // Not CreateTempSubdirectory (mode 700): as root the embedded PostgreSQL runs as the postgres user, which must reach it.
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"first-hour-data-{Guid.NewGuid():N}"));
        try
        {
            var result = await RunAsync(folder.FullName, null, "migrate");

            Assert.True(result.ExitCode == 0, result.Output + result.Error);
            Assert.Contains($"Starting the embedded PostgreSQL in {Path.Combine(folder.FullName, ".reconciler", "pg")}", result.Output);
            Assert.True(Directory.Exists(Path.Combine(folder.FullName, ".reconciler", "pg", "data")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private string Url => _server.BaseAddress.ToString();

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string workingDirectory, string? key, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Reconciler);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("RECONCILER_CONNECTION");
        start.Environment.Remove("RECONCILER_BOOTSTRAP_ADMIN_KEY");
        if (key is null)
        {
            start.Environment.Remove("RECONCILER_KEY");
        }
        else
        {
            start.Environment["RECONCILER_KEY"] = key;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        return (process.ExitCode, await output, await error);
    }
}
