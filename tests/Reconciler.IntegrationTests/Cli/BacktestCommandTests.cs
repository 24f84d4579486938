using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Backtests;
using Reconciler.Cli;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Cli;

/// <summary>
/// <c>reconciler policies backtest</c> and the offer of <c>policies put</c>, in-process against a real server over PostgreSQL:
/// two operations of a type, one captured and one only authorized, and a candidate whose success needs the capture alone (so
/// the captured one goes from pending to succeeded and the other stays pending). Assertions are on what they print.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BacktestCommandTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private readonly ApiServer _server = api.Server;
    private string Url => _server.BaseAddress.ToString();

    /// <summary>Stores the type's policy and its two operations; the candidate file (success on the capture alone).</summary>
    private async Task<string> SeedAsync(string type)
    {
        await _server.PutPolicyAsync(TestPolicies.Order(type: type));
        var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        await ApiCalls.SendOneAsync(gateway, $"{type}-1", $"{type}-1-p1", "payment", "authorized", type);
        await ApiCalls.SendOneAsync(gateway, $"{type}-1", $"{type}-1-p2", "payment", "captured", type);
        await ApiCalls.SendOneAsync(gateway, $"{type}-2", $"{type}-2-p1", "payment", "authorized", type);
        var candidate = JsonNode.Parse(TestPolicies.Order(type: type))!;
        candidate["outcomes"]![1]!["when"] = new JsonObject { ["payment"] = new JsonArray("captured") };
        var file = Path.Combine(Path.GetTempPath(), $"{type}-candidate-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, candidate.ToJsonString());
        return file;
    }

    private static BacktestCommand.Request Backtest(string file, bool json = false) => new(file, null, null, json, null);

    [Fact]
    public async Task Given_a_candidate_when_backtested_then_the_tables_show_the_outcome_matrix_and_the_example_that_flips()
    {
        var file = await SeedAsync("cli-bt-tables");
        var output = new StringWriter();

        await BacktestCommand.RunAsync(Url, ApiServer.AdminSecret, output, Backtest(file), CancellationToken.None);

        var text = output.ToString();
        Assert.True(text.Contains("of 'cli-bt-tables'", StringComparison.Ordinal) && text.Contains("2 operations compared, 1 would change", StringComparison.Ordinal), text);
        Assert.Contains("Outcomes", text);
        Assert.Contains(BacktestTables.MatrixCorner, text);
        // One row (pending today), two columns (pending, succeeded under the candidate), one operation in each.
        Assert.Matches(@"pending\W+1\W+1\W*\n", text);
        Assert.Contains("outcome:pending->succeeded", text);
        Assert.Contains("cli-bt-tables-1", text);
        Assert.DoesNotContain("cli-bt-tables-2", text);
        File.Delete(file);
    }

    [Fact]
    public async Task Given_a_candidate_when_backtested_with_json_then_the_output_is_the_summary_the_api_gives()
    {
        var file = await SeedAsync("cli-bt-json");
        var output = new StringWriter();

        await BacktestCommand.RunAsync(Url, ApiServer.AdminSecret, output, Backtest(file, json: true), CancellationToken.None);

        var printed = JsonNode.Parse(output.ToString())!;
        var list = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/policies/cli-bt-json/backtests");
        var stored = JsonNode.Parse(list.GetProperty("items")[0].GetProperty("summary").GetRawText())!;
        Assert.True(JsonNode.DeepEquals(stored, printed), $"printed\n{printed.ToJsonString()}\nstored\n{stored.ToJsonString()}");
        Assert.Contains(printed["outcomes"]!.AsArray(), t => t!["from"]!.GetValue<string>() == "pending" && t["to"]!.GetValue<string>() == "succeeded" && t["count"]!.GetValue<int>() == 1);
        File.Delete(file);
    }

    [Fact]
    public async Task Given_a_backtested_candidate_when_put_then_put_names_its_backtest_and_a_policy_never_backtested_is_stored_without_a_word_of_it()
    {
        var file = await SeedAsync("cli-bt-put");
        await BacktestCommand.RunAsync(Url, ApiServer.AdminSecret, TextWriter.Null, Backtest(file), CancellationToken.None);
        var id = (await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/policies/cli-bt-put/backtests")).GetProperty("items")[0].GetProperty("backtestId").GetString();
        var other = Path.Combine(Path.GetTempPath(), $"cli-bt-put-other-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(other, TestPolicies.Order(graceSeconds: 60, type: "cli-bt-put"));
        var unknownOutput = new StringWriter();
        var output = new StringWriter();

        await PoliciesCommand.PutAsync(Url, ApiServer.AdminSecret, unknownOutput, other, CancellationToken.None);
        await PoliciesCommand.PutAsync(Url, ApiServer.AdminSecret, output, file, CancellationToken.None);

        Assert.DoesNotContain("backtest", unknownOutput.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Stored policy 'cli-bt-put' version 2", unknownOutput.ToString());
        var text = output.ToString();
        Assert.Contains($"A backtest of exactly this policy ran ({id}, ended ", text);
        Assert.Contains("1 of 2 operations change, 0 decisions at risk.", text);
        Assert.Contains($"Show it with: reconciler policies backtest --show {id}", text);
        Assert.Contains("Stored policy 'cli-bt-put' version 3", text);

        var shown = new StringWriter();
        await BacktestCommand.RunAsync(Url, ApiServer.AdminSecret, shown, new BacktestCommand.Request(null, null, null, false, id), CancellationToken.None);
        Assert.Contains($"Backtest {id} of 'cli-bt-put'", shown.ToString());
        File.Delete(file);
        File.Delete(other);
    }

    [Fact]
    public async Task Given_an_unknown_backtest_when_shown_then_it_fails_with_the_servers_reason()
    {
        var error = await Assert.ThrowsAsync<ServerCallException>(() => BacktestCommand.RunAsync(
            Url, ApiServer.AdminSecret, TextWriter.Null, new BacktestCommand.Request(null, null, null, false, "bt-nothing"), CancellationToken.None));

        Assert.Contains("404", error.Message);
        Assert.Contains("No backtest 'bt-nothing' exists", error.Message);
    }

    [Theory]
    [InlineData("candidate.json --from noon", "--from")]
    [InlineData("candidate.json --to 2026-12-06T10:00:00", "--to")]
    [InlineData("--json", "Give a candidate policy file, or --show <backtestId>.")]
    [InlineData("candidate.json --show bt-1", "Give a candidate policy file, or --show <backtestId>.")]
    public void Given_a_command_line_that_cannot_be_a_backtest_when_parsed_then_it_is_refused_before_any_call(string line, string named)
    {
        var parsed = BacktestCommand.Create().Parse(line.Split(' '));

        Assert.Contains(parsed.Errors, e => e.Message.Contains(named, StringComparison.Ordinal));
    }
}
