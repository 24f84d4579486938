using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>GET /v1/operations/{id} (now, at a time, at a version), its events, and the list.</summary>
[Collection(PostgresCollection.Name)]
public sealed class OperationsApiTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly ApiServer _server = api.Server;
    private HttpClient _gateway = null!;
    private HttpClient _warehouse = null!;
    private HttpClient _auditor = null!;

    public async Task InitializeAsync()
    {
        await _server.PutPolicyAsync(TestPolicies.Order());
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _warehouse = await _server.ClientWithRoleAsync("source", source: "warehouse");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task SendAsync(HttpClient source, string operationId, string signalId, string facet, string state)
    {
        var response = await source.PostAsync("/v1/signals", ApiServer.Json(
            $$"""{ "operationId": "{{operationId}}", "operationType": "order", "signalId": "{{operationId}}-{{signalId}}", "facet": "{{facet}}", "state": "{{state}}" }"""));
        response.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Given_an_operation_when_read_at_each_version_then_each_truth_is_the_fold_up_to_it()
    {
        await SendAsync(_gateway, "tt-1", "a", "payment", "authorized");
        await SendAsync(_gateway, "tt-1", "b", "payment", "captured");
        var events = await _auditor.GetFromJsonAsync<JsonElement>("/v1/operations/tt-1/events");
        var captured = events.EnumerateArray().First(e => e.GetProperty("type").GetString() == "SignalReceived" && e.GetProperty("data").GetProperty("state").GetString() == "captured");

        var before = await _auditor.GetFromJsonAsync<JsonElement>($"/v1/operations/tt-1?version={captured.GetProperty("version").GetInt64() - 1}");
        var after = await _auditor.GetFromJsonAsync<JsonElement>($"/v1/operations/tt-1?version={captured.GetProperty("version").GetInt64()}");
        var now = await _auditor.GetFromJsonAsync<JsonElement>("/v1/operations/tt-1");

        Assert.Equal("authorized", before.GetProperty("facets").GetProperty("payment").GetProperty("state").GetString());
        Assert.Equal("captured", after.GetProperty("facets").GetProperty("payment").GetProperty("state").GetString());
        Assert.Equal(events.GetArrayLength(), now.GetProperty("version").GetInt64());
        var atVersion = await _auditor.GetFromJsonAsync<JsonElement>($"/v1/operations/tt-1?version={events.GetArrayLength()}");
        Assert.Equal(now.GetProperty("facets").GetRawText(), atVersion.GetProperty("facets").GetRawText());
    }

    [Fact]
    public async Task Given_an_operation_when_read_at_a_time_then_later_signals_are_not_in_it()
    {
        await SendAsync(_gateway, "tt-2", "a", "payment", "authorized");
        var events = await _auditor.GetFromJsonAsync<JsonElement>("/v1/operations/tt-2/events");
        var firstTime = events[0].GetProperty("time").GetDateTimeOffset();
        await Task.Delay(50);
        await SendAsync(_gateway, "tt-2", "b", "payment", "captured");

        var then = await _auditor.GetFromJsonAsync<JsonElement>($"/v1/operations/tt-2?at={Uri.EscapeDataString(firstTime.ToString("O"))}");

        Assert.Equal("authorized", then.GetProperty("facets").GetProperty("payment").GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _auditor.GetAsync($"/v1/operations/tt-2?at={Uri.EscapeDataString(firstTime.AddDays(-1).ToString("O"))}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _auditor.GetAsync("/v1/operations/tt-2?at=yesterday")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _auditor.GetAsync("/v1/operations/tt-2?version=999")).StatusCode);
    }

    [Fact]
    public async Task Given_an_operation_with_one_facet_claimed_when_read_now_at_a_version_and_at_a_time_then_every_policy_facet_is_listed()
    {
        await SendAsync(_gateway, "tt-all", "a", "payment", "captured");
        var events = await _auditor.GetFromJsonAsync<JsonElement>("/v1/operations/tt-all/events");
        var lastTime = Uri.EscapeDataString(events[events.GetArrayLength() - 1].GetProperty("time").GetDateTimeOffset().ToString("O", System.Globalization.CultureInfo.InvariantCulture));

        foreach (var query in new[] { "", "?version=1", $"?at={lastTime}" })
        {
            var facets = (await _auditor.GetFromJsonAsync<JsonElement>($"/v1/operations/tt-all{query}")).GetProperty("facets");

            Assert.Equal(["inventory", "journey", "ledger", "notification", "payment"], facets.EnumerateObject().Select(f => f.Name));
            Assert.Equal("captured", facets.GetProperty("payment").GetProperty("state").GetString());
            foreach (var unclaimed in new[] { "inventory", "journey", "ledger", "notification" })
            {
                // Absent, not null: the facet has no state, source or since at all.
                Assert.Equal(["basis", "claims"], facets.GetProperty(unclaimed).EnumerateObject().Select(p => p.Name));
                Assert.Equal("none", facets.GetProperty(unclaimed).GetProperty("basis").GetString());
                Assert.Equal(0, facets.GetProperty(unclaimed).GetProperty("claims").GetArrayLength());
            }
        }
    }

    [Fact]
    public async Task Given_a_candidate_policy_with_another_facet_when_what_if_runs_then_its_truth_lists_the_candidates_facets()
    {
        await SendAsync(_gateway, "tt-what-if", "a", "payment", "captured");
        var candidate = System.Text.Json.Nodes.JsonNode.Parse(TestPolicies.Order())!.AsObject();
        candidate["facets"]!["shipment"] = System.Text.Json.Nodes.JsonNode.Parse("""{ "owner": "carrier", "states": ["sent"] }""");

        var response = await _auditor.PostAsync("/v1/operations/tt-what-if/what-if", ApiServer.Json(candidate.ToJsonString()));
        response.EnsureSuccessStatusCode();
        var facets = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("truth").GetProperty("facets");

        Assert.Equal(["inventory", "journey", "ledger", "notification", "payment", "shipment"], facets.EnumerateObject().Select(f => f.Name));
        Assert.Equal(["basis", "claims"], facets.GetProperty("shipment").EnumerateObject().Select(p => p.Name));
        Assert.Equal("owner", facets.GetProperty("payment").GetProperty("basis").GetString());
    }

    [Fact]
    public async Task Given_a_stream_when_reading_events_from_a_version_then_only_those_come_back_in_order()
    {
        await SendAsync(_gateway, "ev-1", "a", "payment", "authorized");
        await SendAsync(_warehouse, "ev-1", "b", "inventory", "reserved");

        var all = await _auditor.GetFromJsonAsync<JsonElement>("/v1/operations/ev-1/events");
        var tail = await _auditor.GetFromJsonAsync<JsonElement>("/v1/operations/ev-1/events?fromVersion=2");

        Assert.Equal(Enumerable.Range(1, all.GetArrayLength()).Select(v => (long)v), all.EnumerateArray().Select(e => e.GetProperty("version").GetInt64()));
        Assert.Equal(all.GetArrayLength() - 1, tail.GetArrayLength());
        var first = all[0];
        Assert.True(first.GetProperty("position").GetInt64() > 0);
        Assert.Equal("SignalReceived", first.GetProperty("type").GetString());
        Assert.Equal(1, first.GetProperty("policyVersion").GetInt32());
        Assert.Equal("payment", first.GetProperty("data").GetProperty("facet").GetString());
    }

    [Fact]
    public async Task Given_an_unknown_operation_when_read_then_404_problem()
    {
        var response = await _auditor.GetAsync("/v1/operations/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.EndsWith("/unknown-operation", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _auditor.GetAsync("/v1/operations/nope/events")).StatusCode);
    }

    [Fact]
    public async Task Given_many_operations_when_listing_then_newest_first_filtered_and_paged_without_gaps()
    {
        for (var i = 0; i < 7; i++)
        {
            await SendAsync(_gateway, $"list-{i}", $"l-{i}", "payment", i % 2 == 0 ? "declined" : "authorized");
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _auditor.GetFromJsonAsync<JsonElement>($"/v1/operations?operationType=order&outcome=failed&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("operationId").GetString()!));
            cursor = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);

        Assert.Equal(["list-6", "list-4", "list-2", "list-0"], seen);
        var pending = await _auditor.GetFromJsonAsync<JsonElement>("/v1/operations?outcome=pending&limit=100");
        Assert.Contains(pending.GetProperty("items").EnumerateArray(), i => i.GetProperty("operationId").GetString() == "list-1");
        Assert.Equal(HttpStatusCode.BadRequest, (await _auditor.GetAsync("/v1/operations?cursor=bogus")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _auditor.GetAsync("/v1/operations?limit=0")).StatusCode);
    }
}
