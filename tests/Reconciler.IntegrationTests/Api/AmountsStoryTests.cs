using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CsvHelper;
using Reconciler.Store.Projections;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// Truth, tranche 2a over HTTP: amounts that drift and are corrected (attribute-mismatch with its differences in JSON
/// and CSV), the outcome's finality in the truth view, and OutcomeRetracted / OutcomeFinalized on the feed.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AmountsStoryTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string FinalTypes = "OutcomeFinalized,OutcomeRetracted";

    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _gateway = null!;
    private HttpClient _erp = null!;
    private HttpClient _auditor = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(AmountsStoryTests));
        _server = await ApiServer.StartAsync(_db);
        await _server.PutPolicyAsync(TestPolicies.Payment(graceSeconds: 1, finalAfter: "PT3S"));
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _erp = await _server.ClientWithRoleAsync("source", source: "erp");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static string Signal(string operationId, string signalId, string facet, string state, string attributes, string type = "payment") =>
        $$"""{ "operationId": "{{operationId}}", "operationType": "{{type}}", "signalId": "{{signalId}}", "facet": "{{facet}}", "state": "{{state}}", "attributes": {{attributes}} }""";

    private static async Task<JsonElement> SendAsync(HttpClient source, string operationId, string signalId, string facet, string state, string attributes) =>
        (await ApiCalls.SendAsync(source, Signal(operationId, signalId, facet, state, attributes)))[0];

    private Task<JsonElement> TruthAsync(string operationId) => ApiCalls.GetJsonAsync(_auditor, $"/v1/operations/{operationId}");

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A difference's values as <c>key=json</c>, in ordinal order (a JSON object's key order carries no meaning).</summary>
    private static List<string> Values(JsonElement difference) =>
        difference.GetProperty("values").EnumerateObject().Select(v => $"{v.Name}={v.Value.GetRawText()}").Order(StringComparer.Ordinal).ToList();

    private async Task<List<JsonElement>> FeedAsync(string operationId, string types)
    {
        var page = await ApiCalls.GetJsonAsync(_auditor, $"/v1/feed?types={types}&limit=1000");
        return page.GetProperty("items").EnumerateArray().Where(i => Str(i, "operationId") == operationId).ToList();
    }

    private async Task<List<Dictionary<string, string>>> CsvAsync(string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/conflicts?" + query);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await _auditor.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var csv = CsvReader.FromText(await response.Content.ReadAsStringAsync());
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read())
        {
            rows.Add(csv.Headers.ToDictionary(h => h, h => csv.GetString(h)));
        }
        return rows;
    }

    [Fact]
    public async Task Given_amounts_that_drift_and_are_corrected_when_watched_over_http_then_the_mismatch_its_differences_and_each_finality_step_show()
    {
        const string op = "pay-drift";
        // The gateway captured 129.90 EUR; the ERP booked 129.00 — more than 0.5% apart.
        await SendAsync(_gateway, op, "g1", "payment", "captured", """{ "amount": "129.90", "currency": "EUR" }""");
        var booked = await SendAsync(_erp, op, "e1", "ledger", "recorded", """{ "amount": "129.00", "currency": "EUR" }""");
        Assert.Equal(("succeeded", "diverging"), (Str(booked, "outcome"), Str(booked, "health")));

        // After the 1 s grace window the deadline worker opens the mismatch: succeeded no longer holds and is retracted.
        var mismatched = await ApiCalls.EventuallyAsync(() => TruthAsync(op), t => Str(t, "health") == "conflicted");
        Assert.Equal(("pending", "provisional"), (Str(mismatched, "outcome"), Str(mismatched, "finality")));
        var open = await ApiCalls.GetJsonAsync(_auditor, $"/v1/conflicts?operationId={op}&kind=attribute-mismatch");
        var record = Assert.Single(open.GetProperty("items").EnumerateArray());
        Assert.Equal(("medium", "payment", "open"), (Str(record, "severity"), Str(record, "facet"), Str(record, "status")));
        var difference = Assert.Single(record.GetProperty("differences").EnumerateArray());
        Assert.Equal("amount", Str(difference, "field"));
        Assert.Equal(["erp=\"129.00\"", "payment-gateway=\"129.90\""], Values(difference));
        Assert.Equal("0.5%", Str(difference, "tolerance"));
        Assert.Equal(["payment", "ledger"], difference.GetProperty("facets").EnumerateArray().Select(f => f.GetString()));
        var row = Assert.Single(await CsvAsync($"operationId={op}&kind=attribute-mismatch"));
        Assert.Equal("amount: erp=129.00, payment-gateway=129.90 (tolerance 0.5%) [payment, ledger]", row["differences"]);

        // The ERP corrects its booking: the mismatch converges and succeeded is declared again, agreed, with a due time.
        var corrected = await SendAsync(_erp, op, "e2", "ledger", "recorded", """{ "amount": "129.90", "currency": "EUR" }""");
        Assert.Equal("succeeded", Str(corrected, "outcome"));
        var agreed = await TruthAsync(op);
        Assert.Equal(("succeeded", "agreed", "consistent"), (Str(agreed, "outcome"), Str(agreed, "finality"), Str(agreed, "health")));
        var finalDue = agreed.GetProperty("finalDue").GetDateTimeOffset();
        var claims = agreed.GetProperty("facets").GetProperty("ledger").GetProperty("claims");
        Assert.Equal("129.90", Assert.Single(claims.EnumerateArray()).GetProperty("attributes").GetProperty("amount").GetString());
        var closed = await ApiCalls.GetJsonAsync(_auditor, $"/v1/conflicts/{Str(record, "conflictId")}");
        Assert.Equal(("resolved", "converged"), (Str(closed, "status"), Str(closed, "resolution")));
        Assert.Equal(difference.GetRawText(), Assert.Single(closed.GetProperty("differences").EnumerateArray()).GetRawText());

        // Unchanged for finalAfter (3 s), it becomes final.
        var final = await ApiCalls.EventuallyAsync(() => TruthAsync(op), t => Str(t, "finality") == "final");
        Assert.Equal("final", Str(final, "finality"));
        Assert.False(final.TryGetProperty("finalDue", out _), "a final outcome has nothing due");

        // The gateway refunds: the final succeeded is retracted, a high conflict says so, and failed stands.
        await SendAsync(_gateway, op, "g2", "payment", "refunded", """{ "amount": "129.90", "currency": "EUR" }""");
        var refunded = await TruthAsync(op);
        Assert.Equal("failed", Str(refunded, "outcome"));
        var changed = Assert.Single((await ApiCalls.GetJsonAsync(_auditor, $"/v1/conflicts?operationId={op}&kind=final-outcome-changed")).GetProperty("items").EnumerateArray());
        Assert.Equal(("high", "open"), (Str(changed, "severity"), Str(changed, "status")));
        Assert.Equal(["final=\"succeeded\"", "now=\"failed\""], Values(Assert.Single(changed.GetProperty("differences").EnumerateArray())));
        Assert.Equal("provisional", Str(refunded, "finality"));

        // An integrator that acts only on final outcomes filters the feed to these two types and sees the whole story.
        var items = await FeedAsync(op, FinalTypes);
        Assert.Equal(
            ["OutcomeRetracted succeeded agreed deadline", "OutcomeFinalized succeeded", "OutcomeRetracted succeeded final payment-gateway/g2"],
            items.Select(i => $"{Str(i, "type")} {Str(i.GetProperty("data"), "outcome")} {Str(i.GetProperty("data"), "finality")} {Str(i.GetProperty("data"), "causedBy")}".TrimEnd()));
        Assert.Equal(finalDue, items[1].GetProperty("data").GetProperty("due").GetDateTimeOffset());
        // Each retraction comes right before the declaration that replaces it.
        var outcomes = await FeedAsync(op, "OutcomeDeclared," + FinalTypes);
        Assert.Equal(
            ["OutcomeDeclared succeeded", "OutcomeRetracted succeeded", "OutcomeDeclared pending", "OutcomeDeclared succeeded", "OutcomeFinalized succeeded", "OutcomeRetracted succeeded", "OutcomeDeclared failed"],
            outcomes.Select(i => $"{Str(i, "type")} {Str(i.GetProperty("data"), "outcome")}"));

        // Everything the writer projected is what the events fold to.
        var verify = await new ProjectionRebuilder(_db.DataSource).RunAsync(verify: true, null, CancellationToken.None);
        Assert.True(verify.Differences.Count == 0, string.Join("\n", verify.Differences));
    }

    [Fact]
    public async Task Given_amounts_that_differ_within_a_facet_and_one_that_does_not_parse_when_listed_then_each_conflict_names_the_attribute()
    {
        const string op = "pay-within";
        await SendAsync(_gateway, op, "g1", "payment", "captured", """{ "amount": "129.90", "currency": "EUR" }""");
        // The ERP reports the payment too, a cent and more off; and books the ledger with an amount nobody can read.
        await SendAsync(_erp, op, "e1", "payment", "captured", """{ "amount": "129.80", "currency": "EUR" }""");
        var unreadable = await SendAsync(_erp, op, "e2", "ledger", "recorded", """{ "amount": "12,9O", "currency": "EUR" }""");
        Assert.Equal("accepted", Str(unreadable, "status"));

        var mismatch = await ApiCalls.EventuallyAsync(
            () => ApiCalls.GetJsonAsync(_auditor, $"/v1/conflicts?operationId={op}&kind=attribute-mismatch"),
            page => page.GetProperty("items").GetArrayLength() == 1);
        var record = Assert.Single(mismatch.GetProperty("items").EnumerateArray());
        var difference = Assert.Single(record.GetProperty("differences").EnumerateArray());
        Assert.Equal(("amount", "0.01", false), (Str(difference, "field"), Str(difference, "tolerance"), difference.TryGetProperty("facets", out _)));
        Assert.Equal(["erp=\"129.80\"", "payment-gateway=\"129.90\""], Values(difference));
        var unmodeled = Assert.Single((await ApiCalls.GetJsonAsync(_auditor, $"/v1/conflicts?operationId={op}&kind=unmodeled")).GetProperty("items").EnumerateArray());
        Assert.Equal("ledger", Str(unmodeled, "facet"));
        Assert.Equal("""{"field":"amount","values":{"erp":"12,9O"}}""", Assert.Single(unmodeled.GetProperty("differences").EnumerateArray()).GetRawText());

        var rows = (await CsvAsync($"operationId={op}")).ToDictionary(r => r["kind"], r => r["differences"]);
        Assert.Equal("amount: erp=129.80, payment-gateway=129.90 (tolerance 0.01)", rows["attribute-mismatch"]);
        Assert.Equal("amount: erp=12,9O", rows["unmodeled"]);
    }

    [Fact]
    public async Task Given_a_signal_id_reused_with_another_amount_when_listed_then_the_idempotency_violation_shows_the_first_and_second_content()
    {
        const string op = "pay-reused";
        await SendAsync(_gateway, op, "g1", "payment", "captured", """{ "amount": "10.00" }""");
        var reused = await SendAsync(_gateway, op, "g1", "payment", "captured", """{ "amount": "11.00" }""");
        Assert.Equal("recorded", Str(reused, "status"));

        var record = Assert.Single((await ApiCalls.GetJsonAsync(_auditor, $"/v1/conflicts?operationId={op}&kind=idempotency-violation")).GetProperty("items").EnumerateArray());
        Assert.Equal("""{"field":"attributes","values":{"first":{"amount":"10.00"},"second":{"amount":"11.00"}}}""",
            Assert.Single(record.GetProperty("differences").EnumerateArray()).GetRawText());
        var row = Assert.Single(await CsvAsync($"operationId={op}&kind=idempotency-violation"));
        Assert.Equal("""attributes: first={"amount":"10.00"}, second={"amount":"11.00"}""", row["differences"]);

        // The same within one request: the first signal is known from the batch itself.
        var batchResults = await ApiCalls.SendAsync(_gateway, ApiCalls.Batch([
            Signal("pay-reused-2", "g1-b", "payment", "captured", """{ "amount": "10.00" }"""),
            Signal("pay-reused-2", "g1-b", "payment", "authorized", """{ "amount": "10.00" }"""),
        ]));
        Assert.True(batchResults[1].GetProperty("conflictsOpened").GetArrayLength() == 1, batchResults.GetRawText());
        var inBatch = Assert.Single((await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?operationId=pay-reused-2&kind=idempotency-violation")).GetProperty("items").EnumerateArray());
        var stateChange = Assert.Single(inBatch.GetProperty("differences").EnumerateArray());
        Assert.Equal("state", Str(stateChange, "field"));
        Assert.Equal(["first=\"captured\"", "second=\"authorized\""], Values(stateChange));
    }

    [Fact]
    public async Task Given_a_candidate_policy_with_a_shorter_finalAfter_when_replaying_then_what_if_reports_the_finality_change()
    {
        const string type = "payment-whatif";
        await _server.PutPolicyAsync(TestPolicies.Payment(finalAfter: "P1D", type: type));
        const string op = "pay-whatif";
        await ApiCalls.SendAsync(_gateway, Signal(op, "g1", "payment", "captured", """{ "amount": "50.00" }""", type));
        await ApiCalls.SendAsync(_erp, Signal(op, "e1", "ledger", "recorded", """{ "amount": "50.10" }""", type));
        Assert.Equal(("succeeded", "agreed"), (Str(await TruthAsync(op), "outcome"), Str(await TruthAsync(op), "finality")));
        await Task.Delay(TimeSpan.FromSeconds(1.2));

        var (status, body) = await ApiCalls.PostJsonAsync(_auditor, $"/v1/operations/{op}/what-if", TestPolicies.Payment(finalAfter: "PT1S", type: type));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("final", Str(body.GetProperty("truth"), "finality"));
        var change = Assert.Single(body.GetProperty("changes").EnumerateArray());
        Assert.Equal(("finality", "outcome", "agreed", "final"), (Str(change, "what"), Str(change, "subject"), Str(change, "before"), Str(change, "after")));
        Assert.Equal("agreed", Str(await TruthAsync(op), "finality")); // nothing stored
    }
}
