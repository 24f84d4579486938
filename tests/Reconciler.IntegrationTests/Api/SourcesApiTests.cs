using System.Net;
using System.Text.Json;
using CsvHelper;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// Source silence over HTTP, with durations of a second or two: heartbeats and watermarks, GET /v1/sources, the cause of
/// a missing signal (source-silent, not-reported) recorded when its deadline passes, the conflicts filter and the report's
/// silent periods. The deadline worker is off here, so that a later signal lets the deadlines pass when the test says.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SourcesApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly string WatchedOrder = TestPolicies.Order(ledgerWithin: "PT1S", journeyWithin: "PT1S").Replace("\"graceSeconds\": 300,",
        "\"graceSeconds\": 300, \"sources\": { \"erp\": { \"silentAfter\": \"PT2S\" }, \"crm\": { \"silentAfter\": \"PT60S\" } },", StringComparison.Ordinal);

    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _gateway = null!;
    private HttpClient _warehouse = null!;
    private HttpClient _crm = null!;
    private HttpClient _auditor = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(SourcesApiTests));
        _server = await ApiServer.StartAsync(_db, runDeadlineWorker: false);
        await _server.PutPolicyAsync(WatchedOrder);
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _warehouse = await _server.ClientWithRoleAsync("source", source: "warehouse");
        _crm = await _server.ClientWithRoleAsync("source", source: "crm");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static Task<(HttpStatusCode Status, JsonElement Body)> BeatAsync(HttpClient client, string source, string body = "{}") =>
        ApiCalls.PostJsonAsync(client, $"/v1/sources/{source}/heartbeat", body);

    private async Task<JsonElement> SourceAsync(string source) =>
        (await ApiCalls.GetJsonAsync(_auditor, "/v1/sources")).GetProperty("items").EnumerateArray().Single(s => s.GetProperty("source").GetString() == source);

    [Fact]
    public async Task Given_a_silent_owner_and_one_whose_watermark_passed_the_deadline_when_the_deadlines_pass_then_each_missing_conflict_names_its_cause()
    {
        var (beat, crm) = await BeatAsync(_crm, "crm");
        Assert.Equal(HttpStatusCode.OK, beat);
        Assert.Equal(("live", "PT60S"), (crm.GetProperty("status").GetString(), crm.GetProperty("silentAfter").GetString()));
        await ApiCalls.SendOneAsync(_gateway, "sil-1", "sil-1-p", "payment", "captured");
        await Task.Delay(1300);
        var now = DateTimeOffset.UtcNow;
        var watermark = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond)).ToString("O"); // PostgreSQL keeps microseconds
        Assert.Equal(HttpStatusCode.OK, (await BeatAsync(_crm, "crm", $$"""{ "watermark": "{{watermark}}" }""")).Status);

        // The next signal of the operation lets its due deadlines pass first, judged with what the engine knows of the sources now.
        await ApiCalls.SendOneAsync(_warehouse, "sil-1", "sil-1-w", "inventory", "reserved");

        var silent = Assert.Single((await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?operationId=sil-1&cause=source-silent")).GetProperty("items").EnumerateArray());
        Assert.Equal(("missing", "ledger", "source-silent"), (silent.GetProperty("kind").GetString(), silent.GetProperty("facet").GetString(), silent.GetProperty("cause").GetString()));
        Assert.Contains("erp has never been heard from", silent.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(silent.GetProperty("differences").EnumerateArray(), d => d.GetProperty("field").GetString() == "source");
        using (var csv = CsvReader.FromText(await _auditor.GetStringAsync("/v1/conflicts?format=csv&operationId=sil-1&kind=missing")))
        {
            var causes = new List<(string?, string?)>();
            while (csv.Read())
            {
                causes.Add((csv.GetString("facet"), csv.GetString("cause")));
            }
            Assert.Equal([("journey", "not-reported"), ("ledger", "source-silent")], causes.Order());
        }
        var unreported = Assert.Single((await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?operationId=sil-1&cause=not-reported")).GetProperty("items").EnumerateArray());
        Assert.Equal(("journey", "not-reported"), (unreported.GetProperty("facet").GetString(), unreported.GetProperty("cause").GetString()));
        var passed = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/sil-1/events")).EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "DeadlinePassed").Select(e => e.GetProperty("data").GetProperty("cause").GetString()).Order().ToList();
        Assert.Equal(["not-reported", "source-silent"], passed);

        var erp = await SourceAsync("erp");
        Assert.Equal(("silent", false), (erp.GetProperty("status").GetString(), erp.TryGetProperty("lastSignalAt", out _)));
        var crmNow = await SourceAsync("crm");
        Assert.Equal(DateTimeOffset.Parse(watermark, System.Globalization.CultureInfo.InvariantCulture), crmNow.GetProperty("watermark").GetDateTimeOffset());
        Assert.Equal("live", (await SourceAsync("payment-gateway")).GetProperty("status").GetString());
        Assert.True((await SourceAsync("warehouse")).TryGetProperty("lastSignalAt", out _));
        var refused = await _auditor.GetAsync("/v1/conflicts?cause=silent");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("\"field\":\"cause\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_deadline_due_when_a_policy_fix_rejudges_the_operation_first_then_the_missing_conflict_still_names_its_cause()
    {
        await ApiCalls.SendOneAsync(_gateway, "sil-rj", "sil-rj-p", "payment", "captured");
        var unmodeled = Assert.Single(await ApiCalls.SendOneAsync(_gateway, "sil-rj", "sil-rj-r", "payment", "partially-refunded"));
        await Task.Delay(1300); // the ledger was due a second after the capture; erp, its owner, has never been heard from

        // The fix names the partial refund: re-judging it lets the due deadline pass first, knowing the sources as a signal would.
        await _server.PutPolicyAsync(WatchedOrder.Replace("""["authorized","captured","declined","refunded"]""",
            """["authorized","captured","declined","refunded","partially-refunded"]""", StringComparison.Ordinal));
        await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(_auditor, $"/v1/conflicts/{unmodeled}"),
            c => c.GetProperty("status").GetString() == "resolved", TimeSpan.FromSeconds(30));

        var silent = (await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?operationId=sil-rj&kind=missing")).GetProperty("items").EnumerateArray()
            .Select(c => (c.GetProperty("facet").GetString(), c.TryGetProperty("cause", out var cause) ? cause.GetString() : null)).Order().ToList();
        Assert.Equal([("journey", "source-silent"), ("ledger", "source-silent")], silent); // neither crm nor erp was ever heard from
    }

    [Fact]
    public async Task Given_a_source_quiet_for_longer_than_silent_after_when_it_speaks_again_then_the_report_shows_the_silent_period()
    {
        await _server.PutPolicyAsync("""
            { "operationType": "book", "sources": { "bookkeeper": { "silentAfter": "PT1S" } },
              "facets": { "entry": { "owner": "bookkeeper", "states": ["booked"] } } }
            """);
        var bookkeeper = await _server.ClientWithRoleAsync("source", source: "bookkeeper");
        var before = DateTimeOffset.UtcNow;
        await ApiCalls.SendOneAsync(bookkeeper, "book-1", "bk-1", "entry", "booked", type: "book");
        await Task.Delay(1600);
        Assert.Equal("silent", (await SourceAsync("bookkeeper")).GetProperty("status").GetString());
        var lasting = (await ApiCalls.GetJsonAsync(_auditor, "/v1/reports/disagreements")).GetProperty("silentPeriods").EnumerateArray()
            .Single(s => s.GetProperty("source").GetString() == "bookkeeper").GetProperty("periods");
        Assert.False(Assert.Single(lasting.EnumerateArray()).TryGetProperty("to", out _)); // lasting: no end yet

        Assert.Equal(HttpStatusCode.OK, (await BeatAsync(bookkeeper, "bookkeeper")).Status);

        Assert.Equal("live", (await SourceAsync("bookkeeper")).GetProperty("status").GetString());
        var report = await ApiCalls.GetJsonAsync(_auditor, $"/v1/reports/disagreements?from={Uri.EscapeDataString(before.AddSeconds(-1).ToString("O"))}");
        // Closed by the beat; on a slow machine a second silence may have begun since (silentAfter is one second), lasting.
        var period = Assert.Single(report.GetProperty("silentPeriods").EnumerateArray().Single(s => s.GetProperty("source").GetString() == "bookkeeper")
            .GetProperty("periods").EnumerateArray(), p => p.TryGetProperty("to", out _));
        var (from, to) = (period.GetProperty("from").GetDateTimeOffset(), period.GetProperty("to").GetDateTimeOffset());
        Assert.True(to - from > TimeSpan.FromSeconds(1.5), $"{from:O} .. {to:O}");
    }

    [Fact]
    public async Task Given_a_heartbeat_for_another_source_or_with_a_bad_watermark_when_posted_then_it_is_refused_and_nothing_is_stored()
    {
        var (mismatch, problem) = await BeatAsync(_crm, "erp");
        Assert.Equal(HttpStatusCode.Forbidden, mismatch);
        Assert.EndsWith("/source-mismatch", problem.GetProperty("type").GetString(), StringComparison.Ordinal);

        foreach (var (body, field) in new[]
        {
            ("""{ "watermark": "yesterday" }""", "watermark"),
            ($$"""{ "watermark": "{{DateTimeOffset.UtcNow.AddMinutes(5):O}}" }""", "watermark"),
            ("""{ "watermark": 17 }""", "watermark"),
            ("""{ "mark": "2026-01-01T00:00:00Z" }""", "mark"),
        })
        {
            var (status, refused) = await BeatAsync(_warehouse, "warehouse", body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal((field, "https://reconciler.dev/problems/invalid-heartbeat"), (refused.GetProperty("field").GetString(), refused.GetProperty("type").GetString()));
        }

        Assert.DoesNotContain((await ApiCalls.GetJsonAsync(_auditor, "/v1/sources")).GetProperty("items").EnumerateArray(),
            s => s.GetProperty("source").GetString() == "warehouse" && s.TryGetProperty("lastHeartbeatAt", out _));
        Assert.Equal(HttpStatusCode.OK, (await BeatAsync(_server.Admin, "erp-from-admin")).Status);
    }

    [Fact]
    public async Task Given_the_deadline_worker_when_an_owner_is_silent_at_the_deadline_then_it_records_source_silent()
    {
        await using var db = await postgres.CreateDatabaseAsync(nameof(SourcesApiTests) + "_worker");
        await using var server = await ApiServer.StartAsync(db);
        await server.PutPolicyAsync(WatchedOrder);
        var gateway = await server.ClientWithRoleAsync("source", source: "payment-gateway");
        var auditor = await server.ClientWithRoleAsync("auditor", name: "ann");

        await ApiCalls.SendOneAsync(gateway, "sil-w", "sil-w-p", "payment", "captured");

        // Neither erp nor crm (both with a rule) was ever heard from: both missing signals are put down to silence.
        var page = await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(auditor, "/v1/conflicts?operationId=sil-w&cause=source-silent"),
            p => p.GetProperty("items").GetArrayLength() == 2);
        Assert.Equal(["journey", "ledger"], page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("facet").GetString()).Order());
    }
}
