using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Reconciler.IntegrationTests.Support;

namespace Reconciler.IntegrationTests.Api;

/// <summary>GET /v1/conflicts (every filter, paging, CSV export) and GET /v1/conflicts/{id} with its evidence.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ConflictsApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _gateway = null!;
    private HttpClient _erp = null!;
    private HttpClient _warehouse = null!;
    private HttpClient _billing = null!;
    private HttpClient _auditor = null!;
    private HttpClient _resolver = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(ConflictsApiTests));
        _server = await ApiServer.StartAsync(_db);
        await _server.PutPolicyAsync(TestPolicies.Order());
        await _server.PutPolicyAsync(TestPolicies.Subscription());
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _erp = await _server.ClientWithRoleAsync("source", source: "erp");
        _warehouse = await _server.ClientWithRoleAsync("source", source: "warehouse");
        _billing = await _server.ClientWithRoleAsync("source", source: "billing");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        _resolver = await _server.ClientWithRoleAsync("resolver", name: "rita");
        await SeedAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    /// <summary>Conflicts of several kinds, severities, sources, facets, types and statuses.</summary>
    private async Task SeedAsync()
    {
        // unmodeled (medium, open): a facet the policy does not name.
        await ApiCalls.SendOneAsync(_erp, "c-order-1", "erp-1", "shipping", "sent");
        // invalid-transition (medium, open): authorized -> refunded is not allowed.
        await ApiCalls.SendOneAsync(_gateway, "c-order-2", "pgw-1", "payment", "authorized");
        await ApiCalls.SendOneAsync(_gateway, "c-order-2", "pgw-2", "payment", "refunded");
        // idempotency-violation (high, open): the same signal id with other content.
        await ApiCalls.SendOneAsync(_warehouse, "c-order-3", "wh-1", "inventory", "reserved");
        await ApiCalls.SendOneAsync(_warehouse, "c-order-3", "wh-1", "inventory", "shipped");
        // duplicate (info, absorbed at once: resolved).
        await ApiCalls.SendOneAsync(_gateway, "c-order-4", "pgw-4", "payment", "authorized");
        await ApiCalls.SendOneAsync(_gateway, "c-order-4", "pgw-4", "payment", "authorized");
        // another operation type.
        await ApiCalls.SendOneAsync(_billing, "c-sub-1", "bill-1", "billing", "refused-by-bank", type: "subscription");
        // one resolved by an operator, with a reason that needs CSV quoting.
        var toResolve = await ApiCalls.SendOneAsync(_erp, "c-order-5", "erp-5", "shipping", "lost");
        var (status, _) = await ApiCalls.PostJsonAsync(_resolver, $"/v1/conflicts/{toResolve[0]}/resolve",
            """{ "resolution": "dismissed", "reason": "checked, \"by hand\"\nsecond line" }""");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    private async Task<List<JsonElement>> AllAsync(string query = "")
    {
        var items = new List<JsonElement>();
        var separator = query.Length == 0 ? "?" : query + "&";
        string? cursor = null;
        do
        {
            var page = await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts" + separator + "limit=3" + (cursor is null ? "" : "&cursor=" + cursor));
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return items;
    }

    private static string Id(JsonElement record) => record.GetProperty("conflictId").GetString()!;

    private static string? Str(JsonElement record, string name) =>
        record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [Fact]
    public async Task Given_seeded_conflicts_when_listing_then_records_have_the_contract_fields_and_evidence_positions()
    {
        var all = await AllAsync();
        Assert.True(all.Count >= 6, $"{all.Count} records");
        Assert.Equal(all.Count, all.Select(Id).Distinct().Count());
        foreach (var record in all)
        {
            foreach (var field in new[] { "conflictId", "operationId", "operationType", "kind", "severity", "sources", "openedAt", "status", "evidence" })
            {
                Assert.True(record.TryGetProperty(field, out _), $"{Id(record)} misses {field}");
            }
            Assert.NotEmpty(record.GetProperty("evidence").EnumerateArray());
        }
        var dismissed = Assert.Single(all, r => r.GetProperty("operationId").GetString() == "c-order-5");
        Assert.Equal("resolved", Str(dismissed, "status"));
        Assert.Equal("dismissed", Str(dismissed, "resolution"));
        Assert.Equal("rita", Str(dismissed, "resolvedBy"));
        Assert.Contains(all, r => Str(r, "kind") == "duplicate" && Str(r, "status") == "resolved");
    }

    [Theory]
    [InlineData("kind", "unmodeled")]
    [InlineData("status", "open")]
    [InlineData("status", "resolved")]
    [InlineData("severity", "high")]
    [InlineData("source", "erp")]
    [InlineData("facet", "payment")]
    [InlineData("operationType", "subscription")]
    [InlineData("operationId", "c-order-3")]
    public async Task Given_a_filter_when_listing_then_exactly_the_matching_records_come(string filter, string value)
    {
        var all = await AllAsync();
        bool Matches(JsonElement r) => filter == "source"
            ? r.GetProperty("sources").EnumerateArray().Any(s => s.GetString() == value)
            : Str(r, filter) == value;
        var expected = all.Where(Matches).Select(Id).Order().ToList();
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < all.Count, "the filter leaves some out");

        var filtered = await AllAsync($"?{filter}={Uri.EscapeDataString(value)}");

        Assert.Equal(expected, filtered.Select(Id).Order().ToList());
    }

    [Fact]
    public async Task Given_a_time_range_when_listing_then_only_records_opened_in_it_come()
    {
        var all = await AllAsync();
        var times = all.Select(r => r.GetProperty("openedAt").GetDateTimeOffset()).Order().ToList();
        var from = times[times.Count / 3];
        var to = times[2 * times.Count / 3];
        var expected = all.Where(r => r.GetProperty("openedAt").GetDateTimeOffset() >= from && r.GetProperty("openedAt").GetDateTimeOffset() < to).Select(Id).Order().ToList();

        var filtered = await AllAsync($"?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}");

        Assert.NotEmpty(expected);
        Assert.Equal(expected, filtered.Select(Id).Order().ToList());
        Assert.Equal(HttpStatusCode.BadRequest, (await _auditor.GetAsync("/v1/conflicts?from=yesterday")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _auditor.GetAsync("/v1/conflicts?status=maybe")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _auditor.GetAsync("/v1/conflicts?cursor=zzz")).StatusCode);
    }

    [Fact]
    public async Task Given_concurrent_inserts_when_paging_then_no_record_repeats_or_goes_missing()
    {
        await ApiCalls.SendAsync(_erp, ApiCalls.Batch(Enumerable.Range(0, 20).Select(i => ApiCalls.Signal($"c-page-{i}", $"erp-page-{i}", "shipping", "sent"))));
        var before = (await AllAsync()).Select(Id).ToHashSet();
        var seen = new List<string>();
        string? cursor = null;
        var inserted = 0;
        do
        {
            var page = await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?limit=4" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(Id));
            cursor = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            // New conflicts and changed ones (resolutions) while the walk goes on.
            await ApiCalls.SendOneAsync(_erp, $"c-late-{inserted}", $"erp-late-{inserted}", "shipping", "sent");
            inserted++;
        }
        while (cursor is not null);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Subset(seen.ToHashSet(), before);
    }

    [Fact]
    public async Task Given_accept_text_csv_when_exporting_then_the_rows_parse_back_to_the_json_records()
    {
        var all = await AllAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/conflicts");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await _auditor.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var rows = CsvRows.Parse(await response.Content.ReadAsStringAsync());

        var header = rows[0];
        Assert.Equal(all.Count, rows.Count - 1);
        var byId = all.ToDictionary(Id);
        foreach (var row in rows.Skip(1))
        {
            var record = byId[row[header.IndexOf("conflictId")]];
            for (var i = 0; i < header.Count; i++)
            {
                Assert.Equal(CsvText(record, header[i]), row[i]);
            }
        }
        Assert.Contains(rows, r => r[header.IndexOf("reason")] == "checked, \"by hand\"\nsecond line");

        var filtered = CsvRows.Parse(await _auditor.GetStringAsync("/v1/conflicts?format=csv&kind=unmodeled"));
        Assert.Equal(all.Count(r => Str(r, "kind") == "unmodeled"), filtered.Count - 1);
    }

    [Fact]
    public async Task Given_a_conflict_when_getting_it_then_its_evidence_events_are_the_ones_that_opened_and_closed_it()
    {
        var record = Assert.Single(await AllAsync("?operationId=c-order-5"));
        var one = await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts/" + Id(record));

        Assert.Equal(Id(record), Id(one));
        var evidence = one.GetProperty("evidence").EnumerateArray().Select(e => e.GetInt64()).ToList();
        var events = one.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(evidence, events.Select(e => e.GetProperty("position").GetInt64()).ToList());
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "ConflictOpened");
        Assert.Contains(events, e => e.GetProperty("type").GetString() is "ConflictResolved" or "OperatorResolved");
        var stream = await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/c-order-5/events");
        var positions = stream.EnumerateArray().Select(e => e.GetProperty("position").GetInt64()).ToHashSet();
        Assert.Subset(positions, evidence.ToHashSet());

        var missing = await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts/no-such-conflict", HttpStatusCode.NotFound);
        Assert.EndsWith("/problems/unknown-conflict", missing.GetProperty("type").GetString());
    }

    // Differences are flattened to one line (their exact text is checked in AmountsStoryTests).
    private static string CsvText(JsonElement record, string column) =>
        !record.TryGetProperty(column, out var value) ? ""
        : column == "differences" ? Reconciler.Conflicts.DifferencesText.Of(value)
        : Text(value);

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => "",
        JsonValueKind.Array => string.Join(';', value.EnumerateArray().Select(Text)),
        _ => value.GetRawText(),
    };
}
