using System.Net;
using System.Text;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using static Reconciler.IntegrationTests.Inbound.InboundSamples;

namespace Reconciler.IntegrationTests.Inbound;

/// <summary>
/// Statement files: POST /v1/sources/{source}/imports with text/csv, mapped row by row by the mapping's csv rules,
/// idempotent by signal id, answering a summary with every refused row's number and reason. Hostile files — a BOM,
/// quotes, a wrong column count, formula cells, a repeated header — get clear answers.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CsvImportTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly ApiServer _server = api.Server;
    private HttpClient _erp = null!;
    private HttpClient _auditor = null!;

    public async Task InitializeAsync()
    {
        await _server.PutPolicyAsync(TestPolicies.Order());
        _erp = await _server.ClientWithRoleAsync("source", source: "erp");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        await PutMappingAsync(_server, "erp", """
            { "csv": { "delimiter": ";",
                       "rules": [ { "when": "row.type == 'CREDIT'", "operationId": "row.reference", "operationType": "'order'",
                                    "signalId": "row.transaction", "facet": "'ledger'", "state": "'recorded'", "observedAt": "row.booked",
                                    "attributes": { "amount": "row.amount", "memo": "row.memo" } } ] } }
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(HttpClient client, byte[] file, string contentType = "text/csv")
    {
        using var content = new ByteArrayContent(file);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await client.PostAsync("/v1/sources/erp/imports", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static byte[] Utf8WithBom(string text) => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)];

    [Fact]
    public async Task Given_a_statement_with_hostile_rows_when_it_is_imported_then_good_rows_become_signals_and_each_bad_row_is_named()
    {
        var file = Utf8WithBom(
            "transaction;type;reference;booked;amount;memo\r\n" +          // row 1: the header (after a BOM)
            "tx-c1;CREDIT;order-c1;2026-12-01;129.90;\"Order 1; paid \"\"in full\"\"\"\r\n" + // 2: a quoted delimiter and doubled quotes
            "tx-c2;CREDIT;order-c2;2026-12-01T10:00:00+01:00;15.00;\"=HYPERLINK(\"\"http://evil\"\")\"\r\n" + // 3: a formula cell, kept as text
            "tx-c3;DEBIT;order-c3;2026-12-01;-4.00;fee\r\n" +               // 4: no rule for debits
            "tx-c4;CREDIT;order-c4;2026-12-01;1.00\r\n" +                   // 5: a column short
            "tx-c5;CREDIT;order c5;2026-12-01;2.00;space in the id\r\n" +   // 6: an operation id the signal rules refuse
            "tx-c6;CREDIT;order-c6;2026-12-01;3.00;a \"stray quote\r\n" +   // 7: malformed
            "tx-c7;CREDIT;order-c7;yesterday;3.00;bad date\r\n" +           // 8: observedAt is no time
            "tx-c8;CREDIT;order-c8;1764583200;8.00;unix seconds\r\n");      // 9

        var (status, summary) = await ImportAsync(_erp, file);

        Assert.True(status == HttpStatusCode.Created, summary.ToString());
        Assert.True(("done", 8L, 3L, 3L, 0L, 4L, 1L) == (summary.GetProperty("status").GetString(), summary.GetProperty("rows").GetInt64(),
            summary.GetProperty("signals").GetInt64(), summary.GetProperty("accepted").GetInt64(), summary.GetProperty("duplicates").GetInt64(),
            summary.GetProperty("rejected").GetInt64(), summary.GetProperty("unmatched").GetInt64()), summary.ToString());
        var problems = summary.GetProperty("problems").EnumerateArray().ToDictionary(p => p.GetProperty("row").GetInt64(), p => p.GetProperty("reason").GetString()!);
        Assert.Equal([4L, 5, 6, 7, 8], problems.Keys.Order());
        Assert.Contains("no rule matched", problems[4], StringComparison.Ordinal);
        Assert.Contains("has 5 column(s); the header names 6", problems[5], StringComparison.Ordinal);
        Assert.Contains("operationId", problems[6], StringComparison.Ordinal);
        Assert.Contains("quote", problems[7], StringComparison.Ordinal);
        Assert.Contains("not a time", problems[8], StringComparison.Ordinal);

        var ledger = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-c1")).GetProperty("facets").GetProperty("ledger").GetProperty("claims")[0];
        Assert.Equal(["amount", "memo"], ledger.GetProperty("attributes").EnumerateObject().Select(a => a.Name));
        Assert.Equal(("129.90", "Order 1; paid \"in full\""), (ledger.GetProperty("attributes").GetProperty("amount").GetString(), ledger.GetProperty("attributes").GetProperty("memo").GetString()));
        Assert.Equal(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), ledger.GetProperty("observedAt").GetDateTimeOffset());
        var formula = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-c2")).GetProperty("facets").GetProperty("ledger").GetProperty("claims")[0];
        Assert.Equal("=HYPERLINK(\"http://evil\")", formula.GetProperty("attributes").GetProperty("memo").GetString());
        var received = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-c8/events"))[0];
        var inbound = received.GetProperty("metadata").GetProperty("inbound");
        Assert.Equal((summary.GetProperty("importId").GetInt64(), 9L), (inbound.GetProperty("import").GetInt64(), inbound.GetProperty("row").GetInt64()));
        var kept = await ApiCalls.GetJsonAsync(_auditor, $"/v1/sources/erp/imports/{summary.GetProperty("importId").GetInt64()}");
        Assert.Equal(summary.GetRawText(), kept.GetRawText());
    }

    [Fact]
    public async Task Given_a_file_imported_once_when_it_is_imported_again_then_it_adds_only_duplicates_reported_as_such()
    {
        var file = Encoding.UTF8.GetBytes("transaction;type;reference;booked;amount;memo\ntx-d1;CREDIT;order-d1;2026-12-02;5.00;a\ntx-d2;CREDIT;order-d2;2026-12-02;6.00;b\n");
        var (firstStatus, first) = await ImportAsync(_erp, file);
        var events = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-d1/events")).GetArrayLength();

        var (status, again) = await ImportAsync(_server.Admin, file);

        Assert.Equal((HttpStatusCode.Created, 2L), (firstStatus, first.GetProperty("accepted").GetInt64()));
        Assert.Equal((HttpStatusCode.Created, 0L, 2L), (status, again.GetProperty("accepted").GetInt64(), again.GetProperty("duplicates").GetInt64()));
        var after = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-d1/events")).EnumerateArray().ToList();
        Assert.Equal("SignalDuplicated", Assert.Single(after.Skip(events), e => e.GetProperty("type").GetString()!.StartsWith("Signal", StringComparison.Ordinal)).GetProperty("type").GetString());
        var list = (await ApiCalls.GetJsonAsync(_auditor, "/v1/sources/erp/imports")).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("importId").GetInt64()).ToList();
        Assert.Equal([again.GetProperty("importId").GetInt64(), first.GetProperty("importId").GetInt64()], list.Take(2));
    }

    [Fact]
    public async Task Given_files_that_cannot_be_read_when_they_are_imported_then_a_problem_says_why_and_nothing_is_stored()
    {
        var before = await StoredRows.CountAsync(api.Database.DataSource);
        var imports = await CountImportsAsync();

        var repeated = await ImportAsync(_erp, Encoding.UTF8.GetBytes("transaction;type;type;booked\ntx-e1;CREDIT;x;2026-12-01\n"));
        var empty = await ImportAsync(_erp, []);
        var json = await ImportAsync(_erp, Encoding.UTF8.GetBytes("{}"), "application/json");
        var latin1 = await ImportAsync(_erp, Encoding.UTF8.GetBytes("a;b\n"), "text/csv; charset=iso-8859-1");

        Assert.Equal((HttpStatusCode.UnprocessableEntity, "invalid-csv"), (repeated.Status, Slug(repeated.Body)));
        Assert.Contains("'type' twice", repeated.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "invalid-csv"), (empty.Status, Slug(empty.Body)));
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "unsupported-media-type"), (json.Status, Slug(json.Body)));
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "unsupported-media-type"), (latin1.Status, Slug(latin1.Body)));
        Assert.Equal(before, await StoredRows.CountAsync(api.Database.DataSource));
        Assert.Equal(imports, await CountImportsAsync());
    }

    [Fact]
    public async Task Given_a_row_with_bytes_that_are_not_utf8_or_a_nul_when_it_is_imported_then_that_row_is_rejected_and_the_others_go_in()
    {
        byte[] file = [.. Encoding.UTF8.GetBytes("transaction;type;reference;booked;amount;memo\ntx-f1;CREDIT;order-f1;2026-12-03;1.00;caf"), 0xE9,
            .. Encoding.UTF8.GetBytes("\ntx-f2;CREDIT;order-f2;2026-12-03;1.00;nul\0here\ntx-f3;CREDIT;order-f3;2026-12-03;1.00;fine\n")];

        var (status, summary) = await ImportAsync(_erp, file);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal((1L, 2L), (summary.GetProperty("accepted").GetInt64(), summary.GetProperty("rejected").GetInt64()));
        var reasons = summary.GetProperty("problems").EnumerateArray().Select(p => (p.GetProperty("row").GetInt64(), p.GetProperty("reason").GetString()!)).ToList();
        Assert.Contains("not UTF-8", reasons[0].Item2, StringComparison.Ordinal);
        Assert.Contains("NUL", reasons[1].Item2, StringComparison.Ordinal);
        Assert.Equal([2L, 3L], reasons.Select(r => r.Item1));
    }

    [Fact]
    public async Task Given_a_file_that_breaks_off_in_a_record_too_large_to_read_when_it_is_imported_then_the_rows_before_stay_and_the_summary_says_where()
    {
        var file = Encoding.UTF8.GetBytes("transaction;type;reference;booked;amount;memo\ntx-g1;CREDIT;order-g1;2026-12-04;1.00;fine\ntx-g2;CREDIT;order-g2;2026-12-04;1.00;\""
            + new string('x', 1_200_000) + "\"\n");

        var (status, problem) = await ImportAsync(_erp, file);

        Assert.Equal((HttpStatusCode.UnprocessableEntity, "import-stopped"), (status, Slug(problem)));
        var summary = problem.GetProperty("summary");
        Assert.Equal(("failed", 1L), (summary.GetProperty("status").GetString(), summary.GetProperty("accepted").GetInt64()));
        Assert.Contains("row 2", summary.GetProperty("failure").GetString(), StringComparison.Ordinal);
        var kept = await ApiCalls.GetJsonAsync(_auditor, $"/v1/sources/erp/imports/{problem.GetProperty("importId").GetInt64()}");
        Assert.Equal("failed", kept.GetProperty("status").GetString());
        await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/order-g1");
    }

    [Fact]
    public async Task Given_another_source_key_when_it_imports_for_erp_then_403()
    {
        var warehouse = await _server.ClientWithRoleAsync("source", source: "warehouse");

        var (status, problem) = await ImportAsync(warehouse, Encoding.UTF8.GetBytes("transaction\n"));

        Assert.Equal((HttpStatusCode.Forbidden, "source-mismatch"), (status, Slug(problem)));
    }

    private async Task<long> CountImportsAsync()
    {
        await using var command = api.Database.DataSource.CreateCommand("SELECT count(*) FROM inbound_imports");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
