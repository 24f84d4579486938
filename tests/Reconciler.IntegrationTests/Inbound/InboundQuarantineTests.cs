using System.Net;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using static Reconciler.IntegrationTests.Inbound.InboundSamples;

namespace Reconciler.IntegrationTests.Inbound;

/// <summary>
/// What does not map is kept, not lost: acknowledged (202, so the system stops retrying), listed in the source's quarantine
/// with the reason, and replayed under the newest mapping once a rule for it exists ("we added the rule later").
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InboundQuarantineTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _auditor = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(InboundQuarantineTests));
        _server = await ApiServer.StartAsync(_db);
        await _server.PutPolicyAsync(TestPolicies.Order());
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        await PutMappingAsync(_server, "payment-gateway", StripeMapping(), HttpStatusCode.Created);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Answer)> SendAsync(string payload) =>
        await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway", await VendorSigner.StripeAsync(payload, StripeSecret, Now));

    private async Task<List<JsonElement>> QuarantineAsync() =>
        [.. (await ApiCalls.GetJsonAsync(_auditor, "/v1/sources/payment-gateway/inbound/unmatched")).GetProperty("items").EnumerateArray()];

    [Fact]
    public async Task Given_a_payload_no_rule_maps_when_a_rule_is_added_and_the_quarantine_replayed_then_it_is_ingested_under_the_new_version()
    {
        var refund = PaymentIntent("evt_q1", "order-q1", type: "charge.refunded");
        var (status, answer) = await SendAsync(refund);

        Assert.Equal(HttpStatusCode.Accepted, status);
        var outcome = OnlyDelivery(answer);
        Assert.Equal("quarantined", outcome.GetProperty("status").GetString());
        Assert.Contains("no rule matched", outcome.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("charge.refunded", outcome.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var kept = Assert.Single(await QuarantineAsync());
        Assert.Equal(refund, kept.GetProperty("payload").GetString());
        Assert.Equal(outcome.GetProperty("deliveryId").GetInt64(), kept.GetProperty("deliveryId").GetInt64());
        await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-q1", HttpStatusCode.NotFound);

        await PutMappingAsync(_server, "payment-gateway", StripeMapping(extraRules: """
            , { "when": "type == 'charge.refunded'", "operationId": "data.object.metadata.order_id", "operationType": "'order'",
                "signalId": "id", "facet": "'payment'", "state": "'refunded'" }
            """), HttpStatusCode.Created);
        var (replayStatus, replay) = await ApiCalls.PostJsonAsync(_server.Admin, "/v1/sources/payment-gateway/inbound/unmatched/replay", "{}");

        Assert.True(replayStatus == HttpStatusCode.OK, replay.ToString());
        Assert.Equal((2, 1, 1, 0L), (replay.GetProperty("mappingVersion").GetInt32(), replay.GetProperty("replayed").GetInt32(),
            replay.GetProperty("ingested").GetInt32(), replay.GetProperty("remaining").GetInt64()));
        Assert.Empty(await QuarantineAsync());
        var truth = await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-q1");
        Assert.Equal("refunded", truth.GetProperty("facets").GetProperty("payment").GetProperty("state").GetString());
        var received = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-q1/events")).EnumerateArray().Single(e => e.GetProperty("type").GetString() == "SignalReceived");
        var inbound = received.GetProperty("metadata").GetProperty("inbound");
        Assert.Equal((2, kept.GetProperty("deliveryId").GetInt64()), (inbound.GetProperty("mappingVersion").GetInt32(), inbound.GetProperty("delivery").GetInt64()));
    }

    [Fact]
    public async Task Given_a_payload_whose_required_field_yields_nothing_when_it_arrives_then_it_is_quarantined_naming_the_field()
    {
        var withoutOrder = """{"id":"evt_q2","type":"payment_intent.succeeded","created":1765000000,"data":{"object":{"id":"pi_2","metadata":{}}}}""";

        var (status, answer) = await SendAsync(withoutOrder);

        Assert.Equal(HttpStatusCode.Accepted, status);
        var outcome = OnlyDelivery(answer);
        Assert.Equal(("quarantined", "operationId"), (outcome.GetProperty("status").GetString(), outcome.GetProperty("field").GetString()));
        Assert.Contains("data.object.metadata.order_id", outcome.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var kept = (await QuarantineAsync()).Single(q => q.GetProperty("deliveryId").GetInt64() == outcome.GetProperty("deliveryId").GetInt64());
        Assert.Equal("operationId", kept.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Given_a_mapped_signal_whose_operation_type_has_no_policy_when_the_policy_comes_later_then_the_replay_ingests_it()
    {
        await PutMappingAsync(_server, "billing", """
            { "verify": { "scheme": "key" },
              "rules": [ { "operationId": "sub", "operationType": "'subscription'", "signalId": "id", "facet": "'billing'", "state": "state" } ] }
            """, HttpStatusCode.Created);
        var billing = await _server.ClientWithRoleAsync("source", source: "billing");
        var delivery = new SignedDelivery(new Dictionary<string, string>(), """{"id":"bil-1","sub":"sub-q3","state":"paid"}""");

        var (status, answer) = await VendorSigner.SendAsync(billing, "billing", delivery);

        Assert.Equal(HttpStatusCode.Accepted, status);
        var outcome = OnlyDelivery(answer);
        Assert.Equal("quarantined", outcome.GetProperty("status").GetString());
        Assert.Equal("rejected", outcome.GetProperty("results")[0].GetProperty("status").GetString());
        Assert.Contains("No policy exists for operation type 'subscription'", outcome.GetProperty("reason").GetString(), StringComparison.Ordinal);

        await _server.PutPolicyAsync(TestPolicies.Subscription());
        var (_, replay) = await ApiCalls.PostJsonAsync(_server.Admin, "/v1/sources/billing/inbound/unmatched/replay",
            $$"""{ "deliveryIds": [ {{outcome.GetProperty("deliveryId").GetInt64()}} ] }""");

        Assert.Equal(1, replay.GetProperty("ingested").GetInt32());
        Assert.Equal("paid", (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/sub-q3")).GetProperty("facets").GetProperty("billing").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Given_a_replay_request_when_it_is_malformed_or_made_by_an_auditor_then_it_is_refused()
    {
        var (badStatus, bad) = await ApiCalls.PostJsonAsync(_server.Admin, "/v1/sources/payment-gateway/inbound/unmatched/replay", """{ "deliveryIds": "all" }""");
        var (auditorStatus, _) = await ApiCalls.PostJsonAsync(_auditor, "/v1/sources/payment-gateway/inbound/unmatched/replay", "{}");

        Assert.Equal((HttpStatusCode.UnprocessableEntity, "invalid-replay"), (badStatus, Slug(bad)));
        Assert.Equal(HttpStatusCode.Forbidden, auditorStatus);
    }
}
