using System.Net;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using static Reconciler.IntegrationTests.Inbound.InboundSamples;

namespace Reconciler.IntegrationTests.Inbound;

/// <summary>
/// The schemes end to end against the real server: each delivery is signed by the vendor's own library (stripe,
/// standardwebhooks, @octokit/webhooks-methods through node), sent as it is to POST /v1/inbound/{source}, and becomes
/// signals through the one write path. Bad and stale signatures are 401 and store nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InboundSchemesTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private const string StandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string GitHubSecret = "It's a Secret to Everybody";
    private readonly ApiServer _server = api.Server;
    private HttpClient _auditor = null!;

    public async Task InitializeAsync()
    {
        await _server.PutPolicyAsync(TestPolicies.Order());
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        await PutMappingAsync(_server, "payment-gateway", StripeMapping());
        await PutMappingAsync(_server, "warehouse", $$"""
            { "verify": { "scheme": "standard-webhooks", "toleranceSeconds": 120 }, "secret": "{{StandardSecret}}",
              "rules": [ { "when": "type == 'shipment.created'", "each": "data.orders",
                           "operationId": "item.order", "operationType": "'order'", "signalId": "join('-', [payload.id, item.order])",
                           "facet": "'inventory'", "state": "'shipped'", "observedAt": "payload.timestamp",
                           "attributes": { "carrier": "payload.data.carrier" } } ] }
            """);
        await PutMappingAsync(_server, "erp", $$"""
            { "verify": { "scheme": "hmac-sha256", "header": "X-Hub-Signature-256", "prefix": "sha256=" }, "secret": "{{GitHubSecret}}",
              "rules": [ { "when": "action == 'booked'", "operationId": "entry.reference", "operationType": "'order'",
                           "signalId": "join(':', ['ledger', to_string(entry.id)])", "facet": "'ledger'", "state": "'recorded'",
                           "sourceSequence": "entry.id" } ] }
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Given_a_stripe_mapping_when_stripe_signs_a_payment_intent_then_the_order_payment_is_captured_with_its_provenance()
    {
        var delivery = await VendorSigner.StripeAsync(PaymentIntent("evt_s1", "order-s1"), StripeSecret, Now);
        var (status, answer) = await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway", delivery);

        Assert.True(status == HttpStatusCode.OK, answer.ToString());
        var outcome = OnlyDelivery(answer);
        Assert.Equal("ingested", outcome.GetProperty("status").GetString());
        var result = Assert.Single(outcome.GetProperty("results").EnumerateArray());
        Assert.Equal(("order-s1", "accepted"), (result.GetProperty("operationId").GetString(), result.GetProperty("status").GetString()));
        var truth = await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-s1");
        var payment = truth.GetProperty("facets").GetProperty("payment");
        Assert.Equal(("captured", "payment-gateway"), (payment.GetProperty("state").GetString(), payment.GetProperty("source").GetString()));
        var claim = Assert.Single(payment.GetProperty("claims").EnumerateArray());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_765_000_000), claim.GetProperty("observedAt").GetDateTimeOffset());
        Assert.Equal("""{"amount":12990,"currency":"eur"}""", claim.GetProperty("attributes").GetRawText());
        var received = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-s1/events")).EnumerateArray().First(e => e.GetProperty("type").GetString() == "SignalReceived");
        var inbound = received.GetProperty("metadata").GetProperty("inbound");
        Assert.Equal(1, inbound.GetProperty("mappingVersion").GetInt32());
        Assert.Equal(outcome.GetProperty("deliveryId").GetInt64(), inbound.GetProperty("delivery").GetInt64());
    }

    [Fact]
    public async Task Given_a_stripe_delivery_sent_twice_when_it_arrives_again_then_its_signal_is_a_duplicate()
    {
        var delivery = await VendorSigner.StripeAsync(PaymentIntent("evt_s2", "order-s2"), StripeSecret, Now);
        Assert.Equal(HttpStatusCode.OK, (await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway", delivery)).Status);

        var (status, again) = await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway", delivery);

        Assert.Equal(HttpStatusCode.OK, status);
        var result = Assert.Single(OnlyDelivery(again).GetProperty("results").EnumerateArray());
        Assert.Equal("recorded", result.GetProperty("status").GetString());
        Assert.Equal("duplicate", Assert.Single(result.GetProperty("conflictsOpened").EnumerateArray()).GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Given_deliveries_signed_with_another_secret_or_tampered_when_they_arrive_then_401_invalid_signature_and_nothing_is_stored()
    {
        var before = (await StoredRows.CountAsync(api.Database.DataSource), await DeliveryRowsAsync(api.Database.DataSource, "payment-gateway"));
        var wrongSecret = await VendorSigner.StripeAsync(PaymentIntent("evt_bad", "order-bad"), "whsec_someone_else", Now);
        var genuine = await VendorSigner.StripeAsync(PaymentIntent("evt_bad2", "order-bad"), StripeSecret, Now);
        var tampered = genuine with { Body = genuine.Body.Replace("12990", "1", StringComparison.Ordinal) };
        var unsigned = genuine with { Headers = new Dictionary<string, string>() };

        foreach (var delivery in new[] { wrongSecret, tampered, unsigned })
        {
            var (status, problem) = await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway", delivery);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("invalid-signature", Slug(problem));
        }
        var github = await VendorSigner.GitHubAsync("""{"action":"booked","entry":{"id":7,"reference":"order-bad"}}""", GitHubSecret);
        var (hmacStatus, hmacProblem) = await VendorSigner.SendAsync(_server.Anonymous, "erp", github with { Body = github.Body.Replace("7", "8", StringComparison.Ordinal) });
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid-signature"), (hmacStatus, Slug(hmacProblem)));

        Assert.Equal(before, (await StoredRows.CountAsync(api.Database.DataSource), await DeliveryRowsAsync(api.Database.DataSource, "payment-gateway")));
    }

    [Fact]
    public async Task Given_a_genuine_delivery_signed_an_hour_ago_when_it_is_replayed_then_401_stale_signature_and_nothing_is_stored()
    {
        var before = await StoredRows.CountAsync(api.Database.DataSource);
        var old = await VendorSigner.StripeAsync(PaymentIntent("evt_old", "order-old"), StripeSecret, Now - 3600);
        var oldStandard = await VendorSigner.StandardWebhooksAsync("msg_old", """{"id":"shp_old","type":"shipment.created","timestamp":1765000000,"data":{"carrier":"ups","orders":[{"order":"order-old"}]}}""", StandardSecret, Now - 600);

        var (status, problem) = await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway", old);
        var (standardStatus, standardProblem) = await VendorSigner.SendAsync(_server.Anonymous, "warehouse", oldStandard);

        Assert.Equal((HttpStatusCode.Unauthorized, "stale-signature"), (status, Slug(problem)));
        Assert.Contains("replay", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Unauthorized, "stale-signature"), (standardStatus, Slug(standardProblem)));
        Assert.Equal(before, await StoredRows.CountAsync(api.Database.DataSource));
    }

    [Fact]
    public async Task Given_a_standard_webhooks_delivery_with_several_items_when_signed_by_the_library_then_each_item_is_a_signal()
    {
        var payload = """{"id":"shp_1","type":"shipment.created","timestamp":"2026-12-01T09:30:00Z","data":{"carrier":"ups","orders":[{"order":"order-w1"},{"order":"order-w2"}]}}""";
        var delivery = await VendorSigner.StandardWebhooksAsync("msg_w1", payload, StandardSecret, Now);

        var (status, answer) = await VendorSigner.SendAsync(_server.Anonymous, "warehouse", delivery);

        Assert.True(status == HttpStatusCode.OK, answer.ToString());
        var results = OnlyDelivery(answer).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["order-w1", "order-w2"], results.Select(r => r.GetProperty("operationId").GetString()));
        Assert.All(results, r => Assert.Equal("accepted", r.GetProperty("status").GetString()));
        var claim = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-w2")).GetProperty("facets").GetProperty("inventory").GetProperty("claims")[0];
        Assert.Equal(("shp_1-order-w2", "shipped"), (claim.GetProperty("signalId").GetString(), claim.GetProperty("state").GetString()));
        Assert.Equal("""{"carrier":"ups"}""", claim.GetProperty("attributes").GetRawText());
    }

    [Fact]
    public async Task Given_a_standard_webhooks_delivery_signed_by_the_dotnet_library_with_a_rotated_secret_then_any_matching_signature_is_taken()
    {
        var payload = """{"id":"shp_2","type":"shipment.created","timestamp":1765000000,"data":{"carrier":"dhl","orders":[{"order":"order-w3"}]}}""";
        var timestamp = DateTimeOffset.UtcNow;
        // The StandardWebhooks NuGet package signs; an old secret's signature comes first, as during a rotation.
        var signature = new StandardWebhooks.StandardWebhook(StandardSecret).Sign("msg_w3", timestamp, payload);
        var old = new StandardWebhooks.StandardWebhook("whsec_" + Convert.ToBase64String(new byte[32])).Sign("msg_w3", timestamp, payload);
        var headers = new Dictionary<string, string>
        {
            ["webhook-id"] = "msg_w3", ["webhook-timestamp"] = timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["webhook-signature"] = $"{old} {signature}",
        };

        var (status, answer) = await VendorSigner.SendAsync(_server.Anonymous, "warehouse", new SignedDelivery(headers, payload));
        var (tamperedStatus, _) = await VendorSigner.SendAsync(_server.Anonymous, "warehouse", new SignedDelivery(headers, payload.Replace("dhl", "ups", StringComparison.Ordinal)));

        Assert.True(status == HttpStatusCode.OK, answer.ToString());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_765_000_000), (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-w3")).GetProperty("facets").GetProperty("inventory").GetProperty("claims")[0].GetProperty("observedAt").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.Unauthorized, tamperedStatus);
    }

    [Fact]
    public async Task Given_a_github_style_hmac_delivery_signed_by_octokit_when_it_arrives_then_the_ledger_is_recorded()
    {
        var delivery = await VendorSigner.GitHubAsync("""{"action":"booked","entry":{"id":4711,"reference":"order-g1"}}""", GitHubSecret);

        var (status, answer) = await VendorSigner.SendAsync(_server.Anonymous, "erp", delivery);

        Assert.True(status == HttpStatusCode.OK, answer.ToString());
        var claim = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-g1")).GetProperty("facets").GetProperty("ledger").GetProperty("claims")[0];
        Assert.Equal(("ledger:4711", 4711), (claim.GetProperty("signalId").GetString(), claim.GetProperty("sourceSequence").GetInt64()));
    }

    [Fact]
    public async Task Given_a_key_mapping_when_the_source_key_the_wrong_key_or_none_sends_then_only_the_source_key_is_taken()
    {
        await PutMappingAsync(_server, "crm", """
            { "verify": { "scheme": "key" },
              "rules": [ { "operationId": "order", "operationType": "'order'", "signalId": "event", "facet": "'journey'", "state": "stage" } ] }
            """);
        var crm = await _server.ClientWithRoleAsync("source", source: "crm");
        var other = await _server.ClientWithRoleAsync("source", source: "email");
        var delivery = new SignedDelivery(new Dictionary<string, string>(), """{"event":"crm-1","order":"order-k1","stage":"purchased"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, (await VendorSigner.SendAsync(_server.Anonymous, "crm", delivery)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await VendorSigner.SendAsync(other, "crm", delivery)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await VendorSigner.SendAsync(_auditor, "crm", delivery)).Status);
        var (status, answer) = await VendorSigner.SendAsync(crm, "crm", delivery);

        Assert.True(status == HttpStatusCode.OK, answer.ToString());
        Assert.Equal("accepted", OnlyDelivery(answer).GetProperty("results")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Given_signed_bodies_that_are_not_json_or_too_large_when_they_arrive_then_a_problem_names_it_and_nothing_is_stored()
    {
        var before = (await StoredRows.CountAsync(api.Database.DataSource), await DeliveryRowsAsync(api.Database.DataSource, "payment-gateway"));
        var malformed = await VendorSigner.StripeAsync("""{"id":"evt_m","type":""", StripeSecret, Now);
        var repeated = await VendorSigner.StripeAsync("""{"id":"evt_r","id":"evt_r2"}""", StripeSecret, Now);
        var huge = await VendorSigner.StripeAsync($$"""{"id":"evt_h","pad":"{{new string('x', 1_100_000)}}"}""", StripeSecret, Now);

        var (malformedStatus, malformedProblem) = await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway", malformed);
        var (repeatedStatus, repeatedProblem) = await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway", repeated);
        var (hugeStatus, hugeProblem) = await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway", huge);

        Assert.Equal((HttpStatusCode.BadRequest, "malformed-json"), (malformedStatus, Slug(malformedProblem)));
        Assert.Equal((HttpStatusCode.BadRequest, "repeated-property"), (repeatedStatus, Slug(repeatedProblem)));
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "payload-too-large"), (hugeStatus, Slug(hugeProblem)));
        Assert.Equal(before, (await StoredRows.CountAsync(api.Database.DataSource), await DeliveryRowsAsync(api.Database.DataSource, "payment-gateway")));
    }
}
