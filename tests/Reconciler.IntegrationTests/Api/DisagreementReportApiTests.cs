using System.Net;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>GET /v1/reports/disagreements: groups per pair of sources and kind, with time to agreement.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DisagreementReportApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _auditor = null!;
    private HttpClient _gateway = null!;
    private HttpClient _erp = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(DisagreementReportApiTests));
        _server = await ApiServer.StartAsync(_db);
        await _server.PutPolicyAsync(TestPolicies.Order(graceSeconds: 1));
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _erp = await _server.ClientWithRoleAsync("source", source: "erp");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Given_disagreements_and_unmodeled_reports_when_reporting_then_each_pair_and_kind_has_counts_and_agreement_times()
    {
        // Three orders where the ERP disagrees with the gateway (the owner) past the 1 s grace window.
        for (var i = 0; i < 3; i++)
        {
            await ApiCalls.SendOneAsync(_gateway, $"d-{i}", $"pgw-{i}", "payment", "authorized");
            await ApiCalls.SendOneAsync(_erp, $"d-{i}", $"erp-{i}", "payment", "captured");
        }
        await ApiCalls.SendOneAsync(_erp, "d-unmodeled", "erp-u", "shipping", "sent");
        var opened = await ApiCalls.EventuallyAsync(
            () => ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?kind=disagreement&status=open"),
            page => page.GetProperty("items").GetArrayLength() == 3);
        Assert.Equal(3, opened.GetProperty("items").GetArrayLength());
        // The ERP comes round on one order: that disagreement converges.
        await ApiCalls.SendOneAsync(_erp, "d-0", "erp-0b", "payment", "authorized");
        await ApiCalls.EventuallyAsync(
            () => ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?kind=disagreement&status=resolved"),
            page => page.GetProperty("items").GetArrayLength() == 1);

        var report = await ApiCalls.GetJsonAsync(_auditor, "/v1/reports/disagreements");

        var groups = report.GetProperty("groups").EnumerateArray().ToList();
        var pair = Assert.Single(groups, g => g.GetProperty("kind").GetString() == "disagreement");
        Assert.Equal(["erp", "payment-gateway"], pair.GetProperty("sources").EnumerateArray().Select(s => s.GetString()!).ToArray());
        Assert.Equal(3, pair.GetProperty("count").GetInt64());
        Assert.Equal(2, pair.GetProperty("open").GetInt64());
        Assert.Equal(1, pair.GetProperty("resolved").GetInt64());
        var times = pair.GetProperty("timeToAgreementSeconds");
        Assert.True(times.GetProperty("p50").GetDouble() >= 0);
        Assert.Equal(times.GetProperty("p50").GetDouble(), times.GetProperty("max").GetDouble(), 6);
        var single = Assert.Single(groups, g => g.GetProperty("kind").GetString() == "unmodeled");
        Assert.Equal(["erp"], single.GetProperty("sources").EnumerateArray().Select(s => s.GetString()!).ToArray());
        Assert.Equal(1, single.GetProperty("open").GetInt64());
        // Nothing resolved: the field is left out, not an empty object.
        Assert.False(single.TryGetProperty("timeToAgreementSeconds", out _));

        // A window that ends before everything: no groups.
        var before = await ApiCalls.GetJsonAsync(_auditor, "/v1/reports/disagreements?to=2000-01-01T00:00:00Z");
        Assert.Empty(before.GetProperty("groups").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await _auditor.GetAsync("/v1/reports/disagreements?from=soon")).StatusCode);
    }
}
