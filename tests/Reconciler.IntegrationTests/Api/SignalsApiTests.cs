using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>POST /v1/signals: results per signal, idempotency, and bad input that stores nothing.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SignalsApiTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly ApiServer _server = api.Server;
    private HttpClient _gateway = null!;

    public async Task InitializeAsync()
    {
        await _server.PutPolicyAsync(TestPolicies.Order());
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Signal(string operationId, string signalId, string state = "captured", string facet = "payment", string type = "order", string extra = "") =>
        $$"""{ "operationId": "{{operationId}}", "operationType": "{{type}}", "signalId": "{{signalId}}", "facet": "{{facet}}", "state": "{{state}}"{{extra}} }""";

    private async Task<JsonElement> PostAsync(string body, HttpStatusCode expected = HttpStatusCode.OK, HttpClient? client = null)
    {
        var response = await (client ?? _gateway).PostAsync("/v1/signals", ApiServer.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<long> StreamLengthAsync(string operationId)
    {
        var response = await _server.Admin.GetAsync($"/v1/operations/{operationId}/events");
        return response.StatusCode == HttpStatusCode.NotFound ? 0 : (await response.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength();
    }

    [Fact]
    public async Task Given_a_policy_when_the_owner_reports_then_the_signal_is_accepted_with_position_version_and_truth()
    {
        var body = await PostAsync(Signal("order-1", "pgw-1"));

        var result = body.GetProperty("results")[0];
        Assert.Equal(0, result.GetProperty("index").GetInt32());
        Assert.Equal("order-1", result.GetProperty("operationId").GetString());
        Assert.Equal("accepted", result.GetProperty("status").GetString());
        Assert.True(result.GetProperty("position").GetInt64() > 0);
        Assert.Equal(1, result.GetProperty("version").GetInt64());
        Assert.Equal("pending", result.GetProperty("outcome").GetString());
        var truth = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/order-1");
        var payment = truth.GetProperty("facets").GetProperty("payment");
        Assert.Equal("captured", payment.GetProperty("state").GetString());
        Assert.Equal("owner", payment.GetProperty("basis").GetString());
        Assert.Equal("payment-gateway", payment.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Given_a_delivered_signal_when_it_is_delivered_again_then_it_is_recorded_as_a_duplicate()
    {
        await PostAsync(Signal("order-dup", "pgw-dup"));
        var truthBefore = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/order-dup");

        var again = (await PostAsync(Signal("order-dup", "pgw-dup"))).GetProperty("results")[0];

        Assert.Equal("recorded", again.GetProperty("status").GetString());
        Assert.Equal("duplicate", again.GetProperty("conflictsOpened")[0].GetProperty("kind").GetString());
        var events = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/order-dup/events");
        Assert.Single(events.EnumerateArray(), e => e.GetProperty("type").GetString() == "SignalDuplicated");
        var truthAfter = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/order-dup");
        Assert.Equal(truthBefore.GetProperty("facets").GetRawText(), truthAfter.GetProperty("facets").GetRawText());
    }

    [Fact]
    public async Task Given_a_batch_when_posted_then_every_signal_has_a_result_in_order()
    {
        var body = await PostAsync($$"""{ "signals": [ {{Signal("order-b1", "b-1")}}, {{Signal("order-b2", "b-2")}}, {{Signal("order-b1", "b-3", "refunded")}} ] }""");

        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.All(results, r => Assert.Equal("accepted", r.GetProperty("status").GetString()));
        Assert.Equal(1, results[0].GetProperty("version").GetInt64());
        Assert.Equal(1, results[1].GetProperty("version").GetInt64());
        Assert.True(results[2].GetProperty("version").GetInt64() > 1, "the second signal of order-b1 comes after the first");
        Assert.True(results[2].GetProperty("position").GetInt64() > results[0].GetProperty("position").GetInt64());
    }

    [Fact]
    public async Task Given_no_policy_for_the_type_when_posted_then_that_item_is_rejected_and_the_others_stored()
    {
        var body = await PostAsync($$"""{ "signals": [ {{Signal("parcel-1", "p-1", type: "parcel")}}, {{Signal("order-ok", "ok-1")}} ] }""");

        var results = body.GetProperty("results");
        Assert.Equal("rejected", results[0].GetProperty("status").GetString());
        Assert.EndsWith("/unknown-operation-type", results[0].GetProperty("problem").GetProperty("type").GetString());
        Assert.Equal("accepted", results[1].GetProperty("status").GetString());
        Assert.Equal(0, await StreamLengthAsync("parcel-1"));
    }

    [Fact]
    public async Task Given_an_order_when_a_signal_names_another_type_then_it_is_rejected_as_a_type_mismatch()
    {
        await _server.PutPolicyAsync(TestPolicies.Subscription());
        await PostAsync(Signal("order-mm", "mm-1"));
        var length = await StreamLengthAsync("order-mm");

        var result = (await PostAsync(Signal("order-mm", "mm-2", "paid", "billing", "subscription"))).GetProperty("results")[0];

        Assert.Equal("rejected", result.GetProperty("status").GetString());
        Assert.EndsWith("/operation-type-mismatch", result.GetProperty("problem").GetProperty("type").GetString());
        Assert.Equal(length, await StreamLengthAsync("order-mm"));
    }

    [Fact]
    public async Task Given_an_unknown_facet_when_posted_then_it_is_recorded_as_unmodeled()
    {
        var result = (await PostAsync(Signal("order-um", "um-1", "sent", "fax"))).GetProperty("results")[0];

        Assert.Equal("recorded", result.GetProperty("status").GetString());
        Assert.Equal("unmodeled", result.GetProperty("conflictsOpened")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Given_a_misspelt_facet_when_posted_then_the_result_and_the_record_say_which_facet_was_meant()
    {
        var result = (await PostAsync(Signal("order-typo", "typo-1", "captured", "paymnet"))).GetProperty("results")[0];

        var opened = result.GetProperty("conflictsOpened")[0];
        const string Expected = "The policy does not name facet 'paymnet' (did you mean 'payment'?).";
        Assert.Equal(("unmodeled", Expected), (opened.GetProperty("kind").GetString(), opened.GetProperty("detail").GetString()));
        var record = await _server.Admin.GetFromJsonAsync<JsonElement>($"/v1/conflicts/{opened.GetProperty("conflictId").GetString()}");
        Assert.Equal(Expected, record.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Given_a_non_owner_that_disagrees_when_posted_then_the_result_says_when_the_divergence_is_judged()
    {
        var warehouse = await _server.ClientWithRoleAsync("source", source: "warehouse");
        var erp = await _server.ClientWithRoleAsync("source", source: "erp");

        var agreed = (await PostAsync(Signal("order-nd", "nd-1", "reserved", "inventory"), client: warehouse)).GetProperty("results")[0];
        var diverging = (await PostAsync(Signal("order-nd", "nd-2", "released", "inventory"), client: erp)).GetProperty("results")[0];

        // Nothing pending after the owner's claim (no expectation starts at inventory): the field is left out.
        Assert.False(agreed.TryGetProperty("nextDeadline", out _));
        Assert.Equal("diverging", diverging.GetProperty("health").GetString());
        var events = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/order-nd/events");
        var started = events.EnumerateArray().Single(e => e.GetProperty("type").GetString() == "DivergenceStarted");
        var due = started.GetProperty("data").GetProperty("due").GetDateTimeOffset();
        Assert.Equal(due, diverging.GetProperty("nextDeadline").GetDateTimeOffset());
        Assert.Equal(started.GetProperty("time").GetDateTimeOffset().AddSeconds(300), due);
        var truth = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/order-nd");
        Assert.Equal(due, truth.GetProperty("nextDeadline").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("{ \"operationId\": ", "malformed-json")]
    [InlineData("{ \"operationId\": \"o-x\", \"operationType\": \"order\", \"signalId\": \"s\", \"facet\": \"payment\" }", "invalid-signal")]
    [InlineData("{ \"operationId\": \"o-x\", \"operationType\": \"order\", \"signalId\": 7, \"facet\": \"payment\", \"state\": \"captured\" }", "invalid-signal")]
    [InlineData("{ \"operationId\": \"o x\", \"operationType\": \"order\", \"signalId\": \"s\", \"facet\": \"payment\", \"state\": \"captured\" }", "invalid-signal")]
    [InlineData("{ \"signals\": [ { \"operationId\": \"o-x\", \"operationType\": \"order\", \"signalId\": \"s\", \"facet\": \"payment\", \"state\": \"captured\" }, 5 ] }", "invalid-signal")]
    [InlineData("{ \"operationId\": \"o-x\", \"operationType\": \"order\", \"signalId\": \"s\", \"facet\": \"payment\", \"state\": \"captured\", \"sourceSequence\": \"1\" }", "invalid-signal")]
    [InlineData("{ \"operationId\": \"o-x\", \"operationType\": \"order\", \"signalId\": \"s\", \"facet\": \"payment\", \"state\": \"captured\", \"observedAt\": \"yesterday\" }", "invalid-signal")]
    public async Task Given_a_malformed_request_when_posted_then_400_and_nothing_is_stored(string body, string problem)
    {
        var response = await _gateway.PostAsync("/v1/signals", ApiServer.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var details = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.EndsWith("/" + problem, details.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(details.GetProperty("detail").GetString()));
        Assert.Equal(0, await StreamLengthAsync("o-x"));
    }

    [Fact]
    public async Task Given_a_batch_over_5000_signals_when_posted_then_413_says_the_limit()
    {
        var signals = string.Join(",", Enumerable.Range(0, 5001).Select(i => Signal("order-big", $"big-{i}")));

        var response = await _gateway.PostAsync("/v1/signals", ApiServer.Json($$"""{ "signals": [ {{signals}} ] }"""));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("5000", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(0, await StreamLengthAsync("order-big"));
    }

    [Fact]
    public async Task Given_a_body_over_8_MiB_when_posted_then_413()
    {
        var padding = new string('x', 9 * 1024 * 1024);

        var response = await _gateway.PostAsync("/v1/signals", ApiServer.Json(Signal("order-huge", "h-1", extra: $", \"effectKey\": \"{padding}\"")));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, await StreamLengthAsync("order-huge"));
    }

    [Fact]
    public async Task Given_a_body_source_that_differs_from_the_key_when_posted_then_403_and_nothing_is_stored()
    {
        var response = await _gateway.PostAsync("/v1/signals", ApiServer.Json(Signal("order-src", "src-1", extra: ", \"source\": \"erp\"")));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.EndsWith("/source-mismatch", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        Assert.Equal(0, await StreamLengthAsync("order-src"));
    }

    [Fact]
    public async Task Given_a_signal_id_used_for_one_operation_when_reused_for_another_then_it_is_rejected()
    {
        await PostAsync(Signal("order-r1", "reused-1"));

        var result = (await PostAsync(Signal("order-r2", "reused-1"))).GetProperty("results")[0];

        Assert.Equal("rejected", result.GetProperty("status").GetString());
        Assert.EndsWith("/signal-id-reused", result.GetProperty("problem").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Given_one_signal_id_for_two_operations_in_one_batch_when_posted_then_the_second_is_rejected_and_a_resend_is_a_duplicate()
    {
        var body = await PostAsync($$"""{ "signals": [ {{Signal("order-tw1", "twin-1")}}, {{Signal("order-tw2", "twin-1")}} ] }""");

        var results = body.GetProperty("results");
        Assert.Equal("accepted", results[0].GetProperty("status").GetString());
        Assert.Equal("rejected", results[1].GetProperty("status").GetString());
        Assert.EndsWith("/signal-id-reused", results[1].GetProperty("problem").GetProperty("type").GetString());
        Assert.Equal(0, await StreamLengthAsync("order-tw2"));
        var again = (await PostAsync(Signal("order-tw1", "twin-1"))).GetProperty("results")[0];
        Assert.Equal("recorded", again.GetProperty("status").GetString());
        Assert.Equal("duplicate", again.GetProperty("conflictsOpened")[0].GetProperty("kind").GetString());
    }
}
