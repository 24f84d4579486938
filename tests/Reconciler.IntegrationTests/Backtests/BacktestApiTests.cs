using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Api;
using Reconciler.Http;
using Reconciler.Core.Backtests;
using Reconciler.IntegrationTests.Api;
using Reconciler.IntegrationTests.Support;

namespace Reconciler.IntegrationTests.Backtests;

/// <summary>
/// Policy backtests against the real server and database: every figure of a finished backtest checked against what-if replays
/// of the same operations one by one (<see cref="BacktestOracle"/>), its changes against each what-if's, determinism, and that
/// nothing is written to any operation.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BacktestApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _auditor = null!;
    private JsonElement _backtest;
    private List<Observed> _observed = [];
    private Dictionary<string, int> _eventCounts = [];

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(BacktestApiTests));
        _server = await ApiServer.StartAsync(_db);
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        await BacktestStory.PlayAsync(_server);
        _eventCounts = await EventCountsAsync();
        _backtest = await RunAsync(BacktestStory.Candidate());
        _observed = await BacktestStory.ObserveAsync(_auditor);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public void Given_a_finished_backtest_when_each_operation_is_replayed_by_what_if_then_every_figure_of_the_summary_agrees()
    {
        var expected = BacktestOracle.Expect(_observed, BacktestStory.CandidateStates());

        var summary = _backtest.GetProperty("summary");
        var actual = JsonNode.Parse(summary.GetRawText())!.AsObject();
        Assert.StartsWith("sha256:", actual["hash"]!.GetValue<string>(), StringComparison.Ordinal);
        actual.Remove("hash");
        var wanted = JsonSerializer.SerializeToNode(expected, ApiJson.Options)!;
        Assert.True(JsonNode.DeepEquals(wanted, actual), $"expected\n{wanted.ToJsonString()}\nactual\n{actual.ToJsonString()}");
        // The story was made to reach each part of the summary: were any of them empty, the comparison would say little.
        Assert.Equal(33, expected.Operations);
        Assert.Contains(expected.Outcomes, t => t is { From: "succeeded", To: "failed", Count: > 20 });
        Assert.Contains(expected.Examples, e => e.Change == "outcome:succeeded->failed" && e.OperationIds.Count == BacktestTally.ExamplesPerChange);
        Assert.Contains(expected.Conflicts, c => c is { Kind: "missing", Disappear: > 0 });
        Assert.Equal(["conflict-not-recorded", "needs-approval", "override-invalid"],
            expected.DecisionsAtRisk.Counts.Select(c => c.Risk).Distinct().Order(StringComparer.Ordinal).Where(r => r != "conflict-differs"));
        Assert.Equal(new RejudgeFigures(3, 3), expected.Rejudged);
        Assert.Equal(("done", 33L, 33L), (_backtest.GetProperty("status").GetString(), _backtest.GetProperty("progress").GetProperty("done").GetInt64(),
            _backtest.GetProperty("progress").GetProperty("total").GetInt64()));
    }

    [Fact]
    public async Task Given_a_finished_backtest_when_its_changes_are_paged_then_they_are_each_operation_s_what_if_changes_and_decisions_at_risk()
    {
        var id = _backtest.GetProperty("backtestId").GetString()!;
        var decisions = BacktestOracle.Expect(_observed, BacktestStory.CandidateStates()).DecisionsAtRisk.Items;
        var expected = _observed.OrderBy(o => o.OperationId, StringComparer.Ordinal).SelectMany(o =>
            o.WhatIf.GetProperty("changes").EnumerateArray().Select(c => $"{o.OperationId}|{Text(c, "what")}|{Text(c, "subject")}|{Text(c, "before")}|{Text(c, "after")}")
                .Concat(decisions.Where(d => d.OperationId == o.OperationId).Select(d => $"{o.OperationId}|decision|{d.ConflictId}|{d.Resolution}|{d.Risk}")))
            .ToList();

        var pages = await WalkAsync($"/v1/backtests/{id}/changes?limit=7");

        Assert.Equal(expected, pages.Select(c => $"{Text(c, "operationId")}|{Text(c, "what")}|{Text(c, "subject")}|{Text(c, "before")}|{Text(c, "after")}"));
        var onlyDecisions = await WalkAsync($"/v1/backtests/{id}/changes?kind=decision");
        Assert.Equal(decisions.Count, onlyDecisions.Count);
        Assert.All(onlyDecisions, d => Assert.Equal("rita", d.GetProperty("decision").GetProperty("decidedBy").GetString()));
        Assert.Contains(onlyDecisions, d => d.GetProperty("decision").GetProperty("reason").GetString() == "refunded at the till");
    }

    [Fact]
    public async Task Given_a_finished_backtest_when_its_changes_are_exported_as_csv_then_the_rows_are_the_json_pages()
    {
        var id = _backtest.GetProperty("backtestId").GetString()!;
        var json = await WalkAsync($"/v1/backtests/{id}/changes?limit=1000");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/backtests/{id}/changes");
        request.Headers.Accept.ParseAdd("text/csv");

        using var response = await _auditor.SendAsync(request);

        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var rows = CsvRows.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["operationId", "what", "subject", "before", "after", "decision", "decidedBy", "decidedAt", "reason", "approvedBy", "conflictKind"], rows[0]);
        Assert.Equal(json.Select(c => $"{Text(c, "operationId")}|{Text(c, "what")}|{Text(c, "subject")}|{Text(c, "before")}|{Text(c, "after")}"),
            rows.Skip(1).Select(r => string.Join('|', r.Take(5))));
        var decision = rows.Skip(1).First(r => r[1] == "decision" && r[3] == "overridden");
        Assert.Equal(("override", "rita", "refunded at the till"), (decision[5], decision[6], decision[8]));
    }

    [Fact]
    public async Task Given_the_same_candidate_written_otherwise_and_the_same_time_when_backtested_again_then_the_hash_is_the_same_and_nothing_was_stored()
    {
        var asOf = _backtest.GetProperty("asOf").GetDateTimeOffset();
        var reordered = JsonNode.Parse(BacktestStory.Candidate())!.AsObject();
        var facets = reordered["facets"]!.DeepClone();
        reordered.Remove("facets");
        reordered["facets"] = facets;

        var again = await RunAsync(reordered.ToJsonString(), asOf);
        var today = await RunAsync(BacktestStory.Policy(), asOf);

        Assert.Equal(_backtest.GetProperty("candidateHash").GetString(), again.GetProperty("candidateHash").GetString());
        Assert.Equal(Hash(_backtest), Hash(again));
        Assert.NotEqual(Hash(_backtest), Hash(today));
        Assert.Equal(0, today.GetProperty("summary").GetProperty("changed").GetInt64());
        Assert.Equal(_eventCounts, await EventCountsAsync());
    }

    private async Task<JsonElement> RunAsync(string candidate, DateTimeOffset? asOf = null)
    {
        var query = asOf is { } at ? $"?asOf={Uri.EscapeDataString(at.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}" : "";
        var (status, started) = await ApiCalls.PostJsonAsync(_auditor, $"/v1/policies/{BacktestStory.Type}/backtests{query}", candidate);
        Assert.True(status == HttpStatusCode.Accepted, $"POST backtests: {(int)status} {started}");
        var id = started.GetProperty("backtestId").GetString();
        var done = await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(_auditor, $"/v1/backtests/{id}"),
            b => b.GetProperty("status").GetString() is "done" or "failed" or "cancelled", TimeSpan.FromSeconds(60));
        Assert.True(done.GetProperty("status").GetString() == "done", done.ToString());
        return done;
    }

    private async Task<List<JsonElement>> WalkAsync(string path)
    {
        var items = new List<JsonElement>();
        string? next = null;
        do
        {
            var page = await ApiCalls.GetJsonAsync(_auditor, next is null ? path : $"{path}&cursor={next}");
            items.AddRange(page.GetProperty("items").EnumerateArray());
            next = page.TryGetProperty("next", out var cursor) ? cursor.GetString() : null;
        }
        while (next is not null);
        return items;
    }

    private async Task<Dictionary<string, int>> EventCountsAsync()
    {
        var counts = new Dictionary<string, int>();
        foreach (var id in BacktestStory.OperationIds)
        {
            counts[id] = (await ApiCalls.GetJsonAsync(_auditor, $"/v1/operations/{id}/events")).GetArrayLength();
        }
        return counts;
    }

    private static string Hash(JsonElement backtest) => backtest.GetProperty("summary").GetProperty("hash").GetString()!;

    private static string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
}
