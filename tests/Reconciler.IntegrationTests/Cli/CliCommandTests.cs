using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reconciler.Cli;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Cli;

/// <summary>
/// The HTTP-client commands (replay, conflicts, keys create, policies put) run in-process against a real
/// server over PostgreSQL; assertions are on what they print.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CliCommandTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private readonly ApiServer _server = api.Server;
    private string Url => _server.BaseAddress.ToString();

    private async Task SeedAsync(string type, string operationId)
    {
        await _server.PutPolicyAsync(TestPolicies.Order(type: type));
        var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        var crm = await _server.ClientWithRoleAsync("source", source: "crm");
        await ApiCalls.SendOneAsync(gateway, operationId, $"{operationId}-pay-1", "payment", "authorized", type);
        await ApiCalls.SendOneAsync(gateway, operationId, $"{operationId}-pay-2", "payment", "captured", type);
        await ApiCalls.SendOneAsync(gateway, operationId, $"{operationId}-pay-2", "payment", "captured", type);
        await ApiCalls.SendOneAsync(crm, operationId, $"{operationId}-crm-1", "journey", "abandoned-cart", type);
    }

    [Fact]
    public async Task Given_an_operation_when_replayed_then_the_table_shows_its_signal_ids_decisions_and_truth()
    {
        await SeedAsync("cli-replay", "cli-replay-1");
        var output = new StringWriter();

        await ReplayCommand.RunAsync(Url, ApiServer.AdminSecret, output, new ReplayCommand.Request("cli-replay-1", null, null, null, false), CancellationToken.None);

        var text = output.ToString();
        Assert.Contains("cli-replay-1-pay-1: payment = authorized", text);
        Assert.Contains("cli-replay-1-crm-1: journey = abandoned-cart", text);
        Assert.Contains("conflict opened: duplicate", text);
        Assert.Contains("payment-gateway", text);
        Assert.Contains("captured", text);
        Assert.Contains("owner", text);
        Assert.Contains("outcome pending (provisional)", text);
    }

    [Fact]
    public async Task Given_an_operation_when_replayed_at_version_1_as_json_then_the_truth_is_the_first_signals()
    {
        await SeedAsync("cli-replay-v", "cli-replay-2");
        var output = new StringWriter();

        await ReplayCommand.RunAsync(Url, ApiServer.AdminSecret, output, new ReplayCommand.Request("cli-replay-2", null, 1, null, true), CancellationToken.None);

        var json = JsonDocument.Parse(output.ToString()).RootElement;
        Assert.Equal(1, json.GetProperty("truth").GetProperty("version").GetInt64());
        Assert.Equal("authorized", json.GetProperty("truth").GetProperty("facets").GetProperty("payment").GetProperty("state").GetString());
        Assert.All(json.GetProperty("timeline").EnumerateArray(), e => Assert.Equal(1, e.GetProperty("version").GetInt64()));
    }

    [Fact]
    public async Task Given_an_operation_when_replayed_at_the_time_of_its_first_event_then_later_signals_are_left_out()
    {
        await SeedAsync("cli-replay-at", "cli-replay-3");
        var events = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/cli-replay-3/events");
        var firstTime = events[0].GetProperty("time").GetDateTimeOffset();
        var output = new StringWriter();

        await ReplayCommand.RunAsync(Url, ApiServer.AdminSecret, output, new ReplayCommand.Request("cli-replay-3", firstTime, null, null, false), CancellationToken.None);

        var text = output.ToString();
        Assert.Contains("Truth at that point: cli-replay-3 v1", text);
        Assert.Contains("cli-replay-3-pay-1", text);
        Assert.DoesNotContain("cli-replay-3-crm-1", text);
    }

    [Fact]
    public async Task Given_a_candidate_policy_when_replayed_what_if_then_the_what_if_truth_is_printed()
    {
        await SeedAsync("cli-whatif", "cli-whatif-1");
        var file = Path.Combine(Path.GetTempPath(), $"cli-whatif-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, TestPolicies.Order(graceSeconds: 10, type: "cli-whatif"));
        try
        {
            var output = new StringWriter();
            await ReplayCommand.RunAsync(Url, ApiServer.AdminSecret, output, new ReplayCommand.Request("cli-whatif-1", null, null, file, false), CancellationToken.None);
            Assert.Contains("What-if: outcome pending (today pending)", output.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Given_conflicts_when_listed_as_csv_table_and_json_then_each_format_carries_the_records()
    {
        await SeedAsync("cli-conflicts", "cli-conflicts-1");
        var query = new ConflictsCommand.Query("duplicate", null, "payment-gateway", "payment", DateTimeOffset.UtcNow.AddHours(-1), "csv");

        var csv = new StringWriter();
        await ConflictsCommand.RunAsync(Url, ApiServer.AdminSecret, csv, query, CancellationToken.None);
        var table = new StringWriter();
        await ConflictsCommand.RunAsync(Url, ApiServer.AdminSecret, table, query with { Format = "table" }, CancellationToken.None);
        var json = new StringWriter();
        await ConflictsCommand.RunAsync(Url, ApiServer.AdminSecret, json, query with { Format = "json" }, CancellationToken.None);

        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Where(l => l.Contains("cli-conflicts-1", StringComparison.Ordinal)).ToList();
        Assert.Contains("conflictId", header);
        Assert.Single(rows);
        Assert.Contains("duplicate", rows[0]);
        // What differs, flattened to one readable cell: the signal id the source sent twice.
        Assert.Contains("signalId: payment-gateway=cli-conflicts-1-pay-2", rows[0]);
        Assert.Contains("differences", table.ToString());
        Assert.Contains("cli-conflicts-1", table.ToString());
        Assert.Contains("duplicate", table.ToString());
        Assert.Contains(JsonDocument.Parse(json.ToString()).RootElement.EnumerateArray(), r => r.GetProperty("operationId").GetString() == "cli-conflicts-1");
    }

    [Fact]
    public async Task Given_an_admin_key_when_keys_create_prints_an_auditor_key_then_that_key_authenticates()
    {
        var output = new StringWriter();

        await KeysCommand.CreateAsync(Url, ApiServer.AdminSecret, output, "auditor", null, "cli-ann", CancellationToken.None);

        var key = output.ToString().Split('\n').Single(l => l.StartsWith("key:", StringComparison.Ordinal))["key:".Length..].Trim();
        var response = await _server.ClientFor(key).GetAsync("/v1/conflicts?limit=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Given_a_source_key_when_keys_create_is_called_then_it_fails_with_the_servers_reason()
    {
        var source = await _server.ClientWithRoleAsync("source", source: "cli-erp");
        var key = source.DefaultRequestHeaders.Authorization!.Parameter;

        var error = await Assert.ThrowsAsync<ServerCallException>(() => KeysCommand.CreateAsync(Url, key, TextWriter.Null, "auditor", null, null, CancellationToken.None));

        Assert.Contains("403", error.Message);
    }

    [Fact]
    public async Task Given_a_yaml_policy_when_put_then_the_server_stores_it_in_the_json_shape()
    {
        var file = Path.Combine(Path.GetTempPath(), $"cli-policy-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, """
            # The order policy, written in YAML.
            operationType: cli-yaml
            graceSeconds: 30
            facets:
              payment:
                owner: payment-gateway
                states: [authorized, captured, declined]
                transitions:
                  authorized: [captured, declined]
              ledger:
                owner: erp
                states: [recorded]
            expectations:
              - when: { facet: payment, state: captured }
                expect: { facet: ledger, state: recorded }
                within: PT10M
            outcomes:
              - outcome: succeeded
                when:
                  payment: [captured]
                  ledger: [recorded]
            """);
        try
        {
            var output = new StringWriter();
            await PoliciesCommand.PutAsync(Url, ApiServer.AdminSecret, output, file, CancellationToken.None);

            Assert.Contains("Stored policy 'cli-yaml' version 1", output.ToString());
            var stored = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/policies/cli-yaml");
            Assert.Equal(30, stored.GetProperty("graceSeconds").GetInt32());
            Assert.Equal("erp", stored.GetProperty("facets").GetProperty("ledger").GetProperty("owner").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Given_an_unmodeled_report_when_a_fix_is_put_with_no_rejudge_then_nothing_is_judged_until_policies_rejudge_is_run()
    {
        const string Type = "cli-rejudge";
        await _server.PutPolicyAsync(RejudgeApiTests.Policy(Type, refunds: false));
        var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        await ApiCalls.SendOneAsync(gateway, "cli-rj-1", "cli-rj-1-a", "payment", "captured", Type);
        var unmodeled = Assert.Single(await ApiCalls.SendOneAsync(gateway, "cli-rj-1", "cli-rj-1-b", "payment", "partially-refunded", Type));
        var file = Path.Combine(Path.GetTempPath(), $"cli-rejudge-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, RejudgeApiTests.Policy(Type, refunds: true));
        try
        {
            var put = new StringWriter();
            await PoliciesCommand.PutAsync(Url, ApiServer.AdminSecret, put, file, CancellationToken.None, rejudge: false);

            Assert.Contains("Stored policy 'cli-rejudge' version 2", put.ToString());
            Assert.Contains("Nothing was re-judged; `reconciler policies rejudge cli-rejudge`", put.ToString());
            Assert.Equal("open", (await ApiCalls.GetJsonAsync(_server.Admin, $"/v1/conflicts/{unmodeled}")).GetProperty("status").GetString());

            var rejudge = new StringWriter();
            await PoliciesCommand.RejudgeAsync(Url, ApiServer.AdminSecret, rejudge, Type, CancellationToken.None);

            Assert.Contains("Re-judging under version 2 in the background", rejudge.ToString());
            var closed = await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(_server.Admin, $"/v1/conflicts/{unmodeled}"),
                c => c.GetProperty("status").GetString() == "resolved", TimeSpan.FromSeconds(30));
            Assert.Equal("modeled-by-policy", closed.GetProperty("resolution").GetString());
            var unknown = await Assert.ThrowsAsync<ServerCallException>(() => PoliciesCommand.RejudgeAsync(Url, ApiServer.AdminSecret, TextWriter.Null, "no-such-type", CancellationToken.None));
            Assert.Contains("no-such-type", unknown.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Given_an_invalid_yaml_policy_when_put_then_it_is_refused_locally_naming_the_field()
    {
        var file = Path.Combine(Path.GetTempPath(), $"cli-bad-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, "operationType: cli-bad\nfacets:\n  payment:\n    owner: pgw\n    states: []\noutcomes: []\n");
        try
        {
            var error = await Assert.ThrowsAsync<ServerCallException>(() => PoliciesCommand.PutAsync(Url, ApiServer.AdminSecret, TextWriter.Null, file, CancellationToken.None));
            Assert.Contains("facets.payment", error.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
