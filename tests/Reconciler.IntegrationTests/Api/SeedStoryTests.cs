using System.Net.Http.Json;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// The two seed stories sent over HTTP by several source keys, with grace windows and deadlines of a
/// second or two, asserting truth, conflicts and outcome as the server's deadline worker lets them pass.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SeedStoryTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private readonly ApiServer _server = api.Server;

    private async Task<Func<string, string, string, string, Task<JsonElement>>> SenderAsync(string operationId, string operationType, params string[] sources)
    {
        var clients = new Dictionary<string, HttpClient>();
        foreach (var source in sources)
        {
            clients[source] = await _server.ClientWithRoleAsync("source", source: source);
        }
        return async (source, signalId, facet, state) =>
        {
            // The gateway's callbacks name one transaction; the email names one message.
            var effectKey = facet switch { "payment" => "txn-9f2", "notification" => "msg-1", _ => null };
            var response = await clients[source].PostAsJsonAsync("/v1/signals", new { operationId, operationType, signalId = $"{operationId}:{signalId}", facet, state, effectKey });
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0];
        };
    }

    private async Task<JsonElement> TruthAsync(string operationId) =>
        await _server.Admin.GetFromJsonAsync<JsonElement>($"/v1/operations/{operationId}");

    private static List<(string Kind, string Facet)> Open(JsonElement truth) =>
        truth.GetProperty("openConflicts").EnumerateArray()
            .Select(c => (c.GetProperty("kind").GetString()!, c.GetProperty("facet").GetString()!))
            .OrderBy(c => c.Item1, StringComparer.Ordinal).ToList();

    /// <summary>Polls the truth until <paramref name="done"/> holds; deadlines pass on the server's own schedule.</summary>
    private async Task<JsonElement> WaitForAsync(string operationId, Func<JsonElement, bool> done, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var truth = await TruthAsync(operationId);
            if (done(truth) || DateTime.UtcNow > until)
            {
                return truth;
            }
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Given_the_order_story_over_http_when_deadlines_pass_and_the_erp_records_late_then_conflicts_open_and_converge()
    {
        await _server.PutPolicyAsync(TestPolicies.Order(graceSeconds: 1, ledgerWithin: "PT2S", journeyWithin: "PT1S", notificationWithin: "PT1S", type: "order-story"));
        var send = await SenderAsync("story-order-1", "order-story", "crm", "payment-gateway", "warehouse", "email", "erp");

        Assert.Equal("accepted", (await send("crm", "crm-1", "journey", "abandoned-cart")).GetProperty("status").GetString());
        await send("payment-gateway", "pgw-delivery-76", "payment", "authorized");
        Assert.Equal("accepted", (await send("payment-gateway", "pgw-delivery-77", "payment", "captured")).GetProperty("status").GetString());
        var duplicate = await send("payment-gateway", "pgw-delivery-77", "payment", "captured");
        var retry = await send("payment-gateway", "pgw-delivery-78", "payment", "captured");
        await send("warehouse", "wh-1", "inventory", "reserved");
        await send("email", "mail-1", "notification", "confirmation-sent");

        Assert.Equal(("recorded", "duplicate"), (duplicate.GetProperty("status").GetString(), duplicate.GetProperty("conflictsOpened")[0].GetProperty("kind").GetString()));
        Assert.Equal(("recorded", "retry"), (retry.GetProperty("status").GetString(), retry.GetProperty("conflictsOpened")[0].GetProperty("kind").GetString()));
        var late = await WaitForAsync("story-order-1", t => Open(t).Count == 3, TimeSpan.FromSeconds(10));
        Assert.Equal([("disagreement", "journey"), ("missing", "ledger"), ("premature-effect", "notification")], Open(late));
        Assert.Equal(("pending", "conflicted"), (late.GetProperty("outcome").GetString(), late.GetProperty("health").GetString()));

        var erp = await send("erp", "erp-1", "ledger", "recorded");

        Assert.Equal(("accepted", "succeeded"), (erp.GetProperty("status").GetString(), erp.GetProperty("outcome").GetString()));
        var final = await TruthAsync("story-order-1");
        Assert.Equal([("disagreement", "journey")], Open(final));
        Assert.Equal("owner", final.GetProperty("facets").GetProperty("ledger").GetProperty("basis").GetString());
        var events = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/story-order-1/events");
        var types = events.EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Single(types, t => t == "OutcomeDeclared");
        Assert.Equal(3, types.Count(t => t == "DeadlinePassed"));
        Assert.Single(types, t => t == "SignalDuplicated");
    }

    [Fact]
    public async Task Given_the_subscription_story_over_http_when_deadlines_pass_then_the_crm_and_the_device_disagree_and_it_stays_pending()
    {
        await _server.PutPolicyAsync(TestPolicies.Subscription(graceSeconds: 1, within: "PT1S", type: "subscription-story"));
        var send = await SenderAsync("story-sub-1", "subscription-story", "billing", "entitlement-service", "crm", "device");

        await send("billing", "bill-1", "billing", "paid");
        await send("entitlement-service", "ent-1", "entitlement", "active");
        await send("crm", "crm-1", "journey", "expired");
        await send("device", "dev-1", "playback", "blocked");

        var truth = await WaitForAsync("story-sub-1", t => Open(t).Count == 2, TimeSpan.FromSeconds(10));
        Assert.Equal([("disagreement", "journey"), ("disagreement", "playback")], Open(truth));
        Assert.Equal(("pending", "conflicted"), (truth.GetProperty("outcome").GetString(), truth.GetProperty("health").GetString()));
        Assert.Equal("active", truth.GetProperty("facets").GetProperty("entitlement").GetProperty("state").GetString());

        var unblocked = await send("device", "dev-2", "playback", "allowed");

        Assert.Equal("succeeded", unblocked.GetProperty("outcome").GetString());
        Assert.Equal([("disagreement", "journey")], Open(await TruthAsync("story-sub-1")));
    }
}
