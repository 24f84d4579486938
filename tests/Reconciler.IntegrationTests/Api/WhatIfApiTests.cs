using System.Net;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>POST /v1/operations/{id}/what-if: replay under a candidate policy, nothing stored.</summary>
[Collection(PostgresCollection.Name)]
public sealed class WhatIfApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _auditor = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(WhatIfApiTests));
        _server = await ApiServer.StartAsync(_db);
        await _server.PutPolicyAsync(TestPolicies.Order());
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        var erp = await _server.ClientWithRoleAsync("source", source: "erp");
        var warehouse = await _server.ClientWithRoleAsync("source", source: "warehouse");
        // Today the gateway owns payment: captured wins over the ERP's 'declined', and the order succeeds.
        await ApiCalls.SendOneAsync(gateway, "w-1", "pgw-1", "payment", "captured");
        await ApiCalls.SendOneAsync(erp, "w-1", "erp-1", "payment", "declined");
        await ApiCalls.SendOneAsync(erp, "w-1", "erp-2", "ledger", "recorded");
        await ApiCalls.SendOneAsync(warehouse, "w-1", "wh-1", "inventory", "reserved");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> WhatIfAsync(string operationId, string policy) =>
        ApiCalls.PostJsonAsync(_auditor, $"/v1/operations/{operationId}/what-if", policy);

    [Fact]
    public async Task Given_a_policy_with_another_owner_when_replaying_then_the_changed_outcome_and_facet_are_reported()
    {
        var today = await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/w-1");
        Assert.Equal("succeeded", today.GetProperty("outcome").GetString());
        var eventsBefore = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/w-1/events")).GetArrayLength();

        var (status, body) = await WhatIfAsync("w-1", TestPolicies.Order().Replace("\"owner\": \"payment-gateway\"", "\"owner\": \"erp\""));

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("failed", body.GetProperty("outcome").GetString());
        Assert.Equal("failed", body.GetProperty("truth").GetProperty("outcome").GetString());
        var payment = body.GetProperty("truth").GetProperty("facets").GetProperty("payment");
        Assert.Equal("declined", payment.GetProperty("state").GetString());
        Assert.Equal("erp", payment.GetProperty("source").GetString());
        var changes = body.GetProperty("changes").EnumerateArray().ToList();
        var outcome = Assert.Single(changes, c => c.GetProperty("what").GetString() == "outcome");
        Assert.Equal("succeeded", outcome.GetProperty("before").GetString());
        Assert.Equal("failed", outcome.GetProperty("after").GetString());
        Assert.Contains(changes, c => c.GetProperty("what").GetString() == "facet" && c.GetProperty("subject").GetString() == "payment");
        Assert.True(body.TryGetProperty("conflicts", out _));
        // Nothing stored.
        Assert.Equal(eventsBefore, (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/w-1/events")).GetArrayLength());
        Assert.Equal("succeeded", (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/w-1")).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Given_the_same_policy_when_replaying_then_there_are_no_changes()
    {
        var (status, body) = await WhatIfAsync("w-1", TestPolicies.Order());

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("succeeded", body.GetProperty("outcome").GetString());
        Assert.Empty(body.GetProperty("changes").EnumerateArray());
    }

    [Fact]
    public async Task Given_a_bad_policy_or_an_unknown_operation_then_422_and_404()
    {
        var (status, problem) = await WhatIfAsync("w-1", TestPolicies.Order().Replace("\"graceSeconds\": 300", "\"graceSeconds\": \"soon\""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.EndsWith("/problems/invalid-policy", problem.GetProperty("type").GetString());

        (status, problem) = await WhatIfAsync("w-1", TestPolicies.Subscription());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("operationType", problem.GetProperty("detail").GetString());

        (status, problem) = await WhatIfAsync("no-such-operation", TestPolicies.Order());
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.EndsWith("/problems/unknown-operation", problem.GetProperty("type").GetString());

        var source = await _server.ClientWithRoleAsync("source", source: "crm");
        Assert.Equal(HttpStatusCode.Forbidden, (await ApiCalls.PostJsonAsync(source, "/v1/operations/w-1/what-if", TestPolicies.Order())).Status);
    }
}
