using System.Net.Http.Json;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Cli;

/// <summary>
/// How `conflicts` and `replay` lay out their tables, run as processes at fixed terminal widths (COLUMNS): an id is never
/// broken over two lines nor cut short, a terminal too narrow for the table gets one block per record, and `replay` shows
/// open conflicts in their own table rather than under the facets' headers.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CliLayoutTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private const string Type = "cli-layout";
    private const string OperationId = "cli-layout-order-1";
    private readonly ApiServer _server = api.Server;
    private string Server => _server.BaseAddress.ToString();

    public async Task InitializeAsync()
    {
        // xunit makes an instance per test; the story is told once per database.
        if ((await _server.Admin.GetAsync($"/v1/operations/{OperationId}")).IsSuccessStatusCode)
        {
            return;
        }
        await _server.PutPolicyAsync(TestPolicies.Order(type: Type));
        var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        var crm = await _server.ClientWithRoleAsync("source", source: "customer-relationship-management");
        await ApiCalls.SendOneAsync(gateway, OperationId, $"{OperationId}-pay-1", "payment", "captured", Type);
        await ApiCalls.SendOneAsync(gateway, OperationId, $"{OperationId}-pay-1", "payment", "captured", Type);
        // Two open conflicts with long ids and long details: a misspelt facet, and a non-owner's claim on an unknown state.
        await ApiCalls.SendOneAsync(gateway, OperationId, $"{OperationId}-pay-2", "paymnet", "captured", Type);
        await ApiCalls.SendOneAsync(crm, OperationId, $"{OperationId}-crm-1", "journey", "browsing-the-catalogue-on-a-phone", Type);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<IReadOnlyList<string>> ConflictIdsAsync()
    {
        var page = await _server.Admin.GetFromJsonAsync<JsonElement>($"/v1/conflicts?operationId={OperationId}");
        var ids = page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("conflictId").GetString()!).ToList();
        Assert.Equal(3, ids.Count);
        return ids;
    }

    private async Task<string> RunAsync(int columns, params string[] args)
    {
        var (exitCode, output, error) = await CliProcess.RunAsync(CliProcess.Reconciler, ApiServer.AdminSecret, columns, [.. args, "--server", Server]);
        Assert.True(exitCode == 0, output + error);
        Assert.All(output.Split('\n'), line => Assert.True(line.TrimEnd().Length <= columns, $"wider than {columns}: {line}"));
        Assert.DoesNotContain("…", output, StringComparison.Ordinal);
        return output;
    }

    [Fact]
    public async Task Given_a_wide_terminal_when_conflicts_are_listed_then_they_are_a_table_with_every_id_on_one_line()
    {
        var ids = await ConflictIdsAsync();

        var output = await RunAsync(200, "conflicts", "--kind", "unmodeled");

        var header = Assert.Single(output.Split('\n'), line => line.Contains("│ conflict", StringComparison.Ordinal));
        Assert.Contains("differences", header, StringComparison.Ordinal);
        Assert.All(ids.Where(id => id.StartsWith("unmodeled", StringComparison.Ordinal)), id => Assert.Contains($"│ {id} ", output, StringComparison.Ordinal));
        Assert.Contains($"│ {OperationId} ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(120)]
    [InlineData(80)]
    public async Task Given_a_terminal_too_narrow_for_the_table_when_conflicts_are_listed_then_each_record_is_a_block_with_its_whole_id(int columns)
    {
        var ids = await ConflictIdsAsync();

        var output = await RunAsync(columns, "conflicts");

        Assert.DoesNotContain("│", output, StringComparison.Ordinal);
        foreach (var id in ids)
        {
            Assert.Contains(output.Split('\n'), line => line.TrimEnd() == $"conflict     {id}");
        }
        Assert.Contains(output.Split('\n'), line => line.TrimEnd() == $"operation    {OperationId}");
    }

    [Theory]
    [InlineData(200)]
    [InlineData(100)]
    [InlineData(60)]
    public async Task Given_open_conflicts_when_replayed_then_they_have_a_table_of_their_own_after_the_facets_with_whole_ids(int columns)
    {
        var truth = await _server.Admin.GetFromJsonAsync<JsonElement>($"/v1/operations/{OperationId}");
        var open = truth.GetProperty("openConflicts").EnumerateArray().Select(c => c.GetProperty("conflictId").GetString()!).ToList();
        Assert.Equal(2, open.Count);

        var output = await RunAsync(columns, "replay", OperationId);

        var facetsAt = output.IndexOf("Agreed truth:", StringComparison.Ordinal);
        var openAt = output.IndexOf("Open conflicts", StringComparison.Ordinal);
        Assert.True(facetsAt >= 0 && openAt > facetsAt, output);
        var facets = output[facetsAt..openAt];
        Assert.DoesNotContain("open conflict", facets, StringComparison.Ordinal);
        Assert.Contains("ledger", facets, StringComparison.Ordinal);
        Assert.All(open, id => Assert.DoesNotContain(id, facets, StringComparison.Ordinal));
        // Each open conflict's id, whole, in the open conflicts' own table (or block).
        Assert.All(open, id => Assert.Contains(id, output[openAt..], StringComparison.Ordinal));
        // The timeline names each conflict it opened, whole too.
        Assert.All(await ConflictIdsAsync(), id => Assert.Contains(id, output[..facetsAt], StringComparison.Ordinal));
    }
}
