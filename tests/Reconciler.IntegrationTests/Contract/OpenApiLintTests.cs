using System.Text.Json;
using Xunit.Abstractions;

namespace Reconciler.IntegrationTests.Contract;

/// <summary>
/// The served document linted by a tool nobody here wrote: Redocly CLI with its recommended rules (redocly.yaml at
/// the repository root). Errors fail the test; warnings are printed.
/// </summary>
public sealed class OpenApiLintTests(ContractServerFixture contract, ITestOutputHelper output) : IClassFixture<ContractServerFixture>
{
    [Fact]
    public async Task Given_the_served_document_when_redocly_lints_it_with_the_recommended_rules_then_it_finds_no_error()
    {
        var redocly = ContractTools.NodeTool("redocly");
        var config = Path.Combine(ContractTools.RepositoryRoot, "redocly.yaml");
        var run = await ContractTools.RunAsync(redocly, ["lint", contract.DocumentPath, "--config", config, "--format=json"], contract.Scratch, TimeSpan.FromMinutes(2));

        using var report = JsonDocument.Parse(run.Output);
        var problems = report.RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()} "
                + $"at {string.Join(", ", p.GetProperty("location").EnumerateArray().Select(l => l.GetProperty("pointer").GetString()))}")
            .ToList();
        problems.ForEach(output.WriteLine);
        var totals = report.RootElement.GetProperty("totals");
        Assert.True(totals.GetProperty("errors").GetInt32() == 0, string.Join("\n", problems.Where(p => p.StartsWith("error", StringComparison.Ordinal))));
        Assert.Equal(0, run.ExitCode);
    }
}
