using System.Diagnostics;
using System.Text.RegularExpressions;
using Reconciler.Testing;

namespace Reconciler.IntegrationTests.Docs;

/// <summary>
/// docs/quickstart.md as written: its <c>bash</c> blocks run in order, in one shell, against the real executable,
/// so the page cannot drift from the product. The server is started as the page's <c>sh</c> block says (same
/// bootstrap admin key), on a database of its own; only <c>RECONCILER_URL</c> points the page at it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class QuickStartTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await postgres.CreateDatabaseAsync(nameof(QuickStartTests));

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Given_the_quick_start_when_its_commands_run_as_written_then_each_step_shows_what_the_page_says()
    {
        var page = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "quickstart.md"));
        var adminKey = AdminKeyLine().Match(page).Groups[1].Value;
        var script = string.Join("\n", BashBlock().Matches(page).Select(m => m.Groups[1].Value));
        Assert.False(string.IsNullOrEmpty(adminKey), "the page's sh block should start the server with RECONCILER_BOOTSTRAP_ADMIN_KEY=<key>");
        await using var server = await ServerProcess.StartAsync(
            ["--connection", _db.ConnectionString],
            new Dictionary<string, string> { ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = adminKey },
            TimeSpan.FromSeconds(90));

        var (exitCode, output) = await RunBashAsync("set -euo pipefail\n" + script, server.Address);

        Assert.True(exitCode == 0, $"the quick start failed (exit {exitCode}):\n{output}\n--- server ---\n{server.Output}");
        Assert.Contains("\"version\":1", output, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"accepted\"", output, StringComparison.Ordinal);
        Assert.Matches("\"status\":\"recorded\".*\"kind\":\"duplicate\"", output);
        Assert.Matches("\"outcome\":\"succeeded\",\"health\":\"diverging\".*\"nextDeadline\"", output);
        Assert.Contains("\"health\": \"conflicted\"", output, StringComparison.Ordinal);
        Assert.Contains("\"kind\": \"attribute-mismatch\"", output, StringComparison.Ordinal);
        Assert.Equal("succeeded consistent", output.TrimEnd().Split('\n')[^1]);
    }

    private static async Task<(int ExitCode, string Output)> RunBashAsync(string script, Uri server)
    {
        var file = Path.Combine(Path.GetTempPath(), $"quickstart-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(file, script);
        try
        {
            var start = new ProcessStartInfo("bash", [file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = RepositoryRoot(),
            };
            start.Environment["RECONCILER_URL"] = server.ToString().TrimEnd('/');
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
            return (process.ExitCode, await output + await error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Reconciler.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Reconciler.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();

    [GeneratedRegex(@"```sh\n.*?RECONCILER_BOOTSTRAP_ADMIN_KEY=(\S+)", RegexOptions.Singleline)]
    private static partial Regex AdminKeyLine();
}
