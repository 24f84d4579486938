using System.Diagnostics;

namespace Reconciler.IntegrationTests.Cli;

/// <summary>`reconciler demo` as a process: its own temporary PostgreSQL and server, both sample stories, exit code 0 within a minute.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DemoCommandTests
{
    [Fact]
    public async Task Given_the_built_executable_when_demo_runs_then_it_prints_both_stories_outcomes_and_exits_0_within_a_minute()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "reconciler.dll"), "demo" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"demo did not finish within a minute:\n{await stdout}");
        }
        var output = await stdout;

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await stderr}");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromMinutes(1));
        Assert.Contains("order-1001: pending → succeeded", output);
        Assert.Contains("sub-2001: pending → succeeded", output);
        Assert.Contains("conflict opened   order-1001: duplicate", output);
        Assert.Contains("conflict opened   order-1001: missing on ledger", output);
        Assert.Contains("conflict opened   sub-2001: disagreement on playback", output);
        Assert.Contains("conflict opened   sub-2001: disagreement on journey", output);
        Assert.Contains("conflict closed   order-1001: missing on ledger converged", output);
        // The ERP's 129.00 against the gateway's 129.90: a mismatch of amounts, which converges when the ERP corrects it.
        Assert.Contains("conflict opened   order-1001: attribute-mismatch on payment", output);
        Assert.Contains("conflict closed   order-1001: attribute-mismatch on payment converged", output);
        Assert.DoesNotContain("rejected", output);
        Assert.Contains("Disagreement report", output);
    }
}
