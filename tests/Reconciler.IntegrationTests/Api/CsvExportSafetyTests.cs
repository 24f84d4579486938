using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CsvHelper;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// Values that a spreadsheet would run as formulas reach the CSV export neutralised (a leading apostrophe),
/// while the JSON API keeps them as they are; unusual but valid text stored earlier never breaks a listing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CsvExportSafetyTests(CsvExportSafetyTests.Seeded seeded) : IClassFixture<CsvExportSafetyTests.Seeded>
{
    private const string FormulaName = "=cmd|' /C calc'!A0";
    private static readonly string[] FormulaFacets = ["=calc", "=1+1", "+1+1", "-csv-1", "@SUM(A1)"];

    private HttpClient _auditor => seeded.Auditor;
    private Dictionary<string, string> _conflictByFacet => seeded.ConflictByFacet;

    /// <summary>One server for the class, with an unmodeled conflict per formula-like facet, one resolved by a formula-named resolver.</summary>
    public sealed class Seeded : IAsyncLifetime
    {
        private readonly ApiServerFixture _api = new();

        public HttpClient Auditor { get; private set; } = null!;
        public Dictionary<string, string> ConflictByFacet { get; } = [];

        public async Task InitializeAsync()
        {
            await _api.InitializeAsync();
            var server = _api.Server;
            await server.PutPolicyAsync(TestPolicies.Order());
            var erp = await server.ClientWithRoleAsync("source", source: "erp");
            Auditor = await server.ClientWithRoleAsync("auditor", name: "ann");
            var resolver = await server.ClientWithRoleAsync("resolver", name: FormulaName);
            var facets = FormulaFacets.Append("pay\u202ement 😀 \ufffd").ToList();
            for (var i = 0; i < facets.Count; i++)
            {
                // A facet the policy does not name opens an unmodeled conflict that carries the facet as given.
                var opened = await ApiCalls.SendOneAsync(erp, "-csv-1", $"erp-{i}", facets[i], "sent");
                ConflictByFacet[facets[i]] = Assert.Single(opened);
            }
            var (status, body) = await ApiCalls.PostJsonAsync(resolver, $"/v1/conflicts/{ConflictByFacet["=calc"]}/resolve",
                JsonSerializer.Serialize(new { resolution = "dismissed", reason = "\t=1+1\r\n-2+3" }));
            Assert.True(status == System.Net.HttpStatusCode.OK, body.ToString());
        }

        public Task DisposeAsync() => _api.DisposeAsync();
    }

    private async Task<List<Dictionary<string, string>>> ExportAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/conflicts?operationId=-csv-1");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await _auditor.SendAsync(request);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        using var csv = CsvReader.FromText(await response.Content.ReadAsStringAsync());
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read())
        {
            rows.Add(csv.Headers.ToDictionary(h => h, h => csv.GetString(h)));
        }
        return rows;
    }

    [Fact]
    public async Task Given_formula_like_values_when_exported_as_csv_then_each_cell_starts_with_an_apostrophe()
    {
        var rows = await ExportAsync();

        Assert.Equal(_conflictByFacet.Count, rows.Count);
        foreach (var facet in FormulaFacets)
        {
            var row = Assert.Single(rows, r => r["conflictId"] == _conflictByFacet[facet]);
            Assert.Equal("'" + facet, row["facet"]);
            Assert.Equal("'-csv-1", row["operationId"]);
        }
        var resolved = Assert.Single(rows, r => r["conflictId"] == _conflictByFacet["=calc"]);
        Assert.Equal("'" + FormulaName, resolved["resolvedBy"]);
        Assert.Equal("'\t=1+1\r\n-2+3", resolved["reason"]);
        Assert.All(rows.SelectMany(r => r.Values), cell => Assert.False(cell.Length > 0 && "=+-@\t\r".Contains(cell[0]), $"unneutralised cell {cell}"));
    }

    [Fact]
    public async Task Given_the_same_records_when_read_as_json_then_values_and_ids_are_unchanged_and_round_trip()
    {
        var page = await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?operationId=-csv-1&limit=100");
        var items = page.GetProperty("items").EnumerateArray().ToList();

        Assert.Equal(_conflictByFacet.Keys.Order(StringComparer.Ordinal), items.Select(i => i.GetProperty("facet").GetString()!).Order(StringComparer.Ordinal));
        var resolved = await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts/" + _conflictByFacet["=calc"]);
        Assert.Equal(FormulaName, resolved.GetProperty("resolvedBy").GetString());
        var operation = await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/-csv-1");
        Assert.Equal("-csv-1", operation.GetProperty("operationId").GetString());
    }

    [Fact]
    public async Task Given_unusual_but_valid_text_stored_when_every_listing_is_read_then_each_answers()
    {
        foreach (var path in new[] { "/v1/conflicts", "/v1/conflicts?format=csv", "/v1/operations", "/v1/feed?limit=1000", "/v1/reports/disagreements", "/v1/operations/-csv-1/events" })
        {
            var response = await _auditor.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var feed = await _auditor.GetFromJsonAsync<JsonElement>("/v1/feed?limit=1000");
        Assert.Contains(feed.GetProperty("items").EnumerateArray(), i => i.GetProperty("data").GetRawText().Contains("\\u202E", StringComparison.OrdinalIgnoreCase) || i.GetProperty("data").GetRawText().Contains('\u202e'));
    }
}
