using System.Net.Http.Json;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>Requests touching one operation serialize on its lock: none is lost, none applied twice.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ConcurrentIngestTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private readonly ApiServer _server = api.Server;

    [Fact]
    public async Task Given_16_concurrent_requests_on_one_operation_when_all_answered_then_every_signal_is_in_the_stream_once_and_the_version_counts_the_events()
    {
        await _server.PutPolicyAsync(TestPolicies.Order());
        var sources = new[] { "payment-gateway", "warehouse", "erp", "crm" };
        var clients = new List<HttpClient>();
        foreach (var source in sources)
        {
            clients.Add(await _server.ClientWithRoleAsync("source", source: source));
        }
        var facets = new Dictionary<string, (string Facet, string State)>
        {
            ["payment-gateway"] = ("payment", "authorized"), ["warehouse"] = ("inventory", "reserved"),
            ["erp"] = ("ledger", "recorded"), ["crm"] = ("journey", "browsing"),
        };

        var requests = Enumerable.Range(0, 16).Select(async r =>
        {
            var source = sources[r % sources.Length];
            var (facet, state) = facets[source];
            var signals = Enumerable.Range(0, 5).Select(i => new
            {
                operationId = "hot-1", operationType = "order", signalId = $"hot-{r}-{i}", facet, state, sourceSequence = r * 10 + i,
            });
            var response = await clients[r % sources.Length].PostAsJsonAsync("/v1/signals", new { signals });
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray().ToList();
        }).ToList();
        var results = (await Task.WhenAll(requests)).SelectMany(r => r).ToList();

        Assert.Equal(80, results.Count);
        Assert.All(results, r => Assert.NotEqual("rejected", r.GetProperty("status").GetString()));
        var events = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/hot-1/events");
        var signalIds = events.EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() is "SignalReceived" or "SignalDuplicated")
            .Select(e => e.GetProperty("data").GetProperty("signalId").GetString()).ToList();
        Assert.Equal(80, signalIds.Count);
        Assert.Equal(80, signalIds.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, events.GetArrayLength()).Select(v => (long)v), events.EnumerateArray().Select(e => e.GetProperty("version").GetInt64()));
        var truth = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/hot-1");
        Assert.Equal(events.GetArrayLength(), truth.GetProperty("version").GetInt64());
        Assert.Equal(results.Select(r => r.GetProperty("position").GetInt64()).Distinct().Count(), results.Count);
    }
}
