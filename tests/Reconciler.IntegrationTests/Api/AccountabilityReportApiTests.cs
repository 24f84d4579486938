using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// GET /v1/reports/accountability against figures computed here from the conflict records themselves. The server's clock is
/// moved forward between steps (only its wall time: leases and timers keep the real one), so conflicts are weeks old.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AccountabilityReportApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly MovedClock _clock = new();
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _gateway = null!;
    private HttpClient _auditor = null!;
    private HttpClient _rita = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(AccountabilityReportApiTests));
        // No deadline worker: moving the clock by weeks would let every expectation pass, which is not what is measured here.
        _server = await ApiServer.StartAsync(_db, runDeadlineWorker: false, addServices: s => s.AddSingleton<TimeProvider>(_clock));
        await _server.PutPolicyAsync(TestPolicies.Accountable());
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        _rita = await _server.ClientWithRoleAsync("resolver", name: "rita");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    private Task<string> OpenAsync(string operationId) => ApiCalls.OpenInvalidTransitionAsync(_gateway, operationId);

    private async Task StepAsync(string conflictId, string step, string body = "")
    {
        var (status, answer) = await ApiCalls.PostJsonAsync(_rita, $"/v1/conflicts/{conflictId}/{step}", body);
        Assert.True(status == HttpStatusCode.OK, $"{step}: {(int)status} {answer}");
    }

    [Fact]
    public async Task Given_conflicts_acknowledged_resolved_handed_over_and_of_every_age_when_reported_then_the_figures_are_those_of_the_records()
    {
        var a1 = await OpenAsync("rep-a1");
        var a2 = await OpenAsync("rep-a2");
        var a3 = await OpenAsync("rep-a3");
        _clock.Move(TimeSpan.FromHours(1));
        await StepAsync(a1, "acknowledge");
        _clock.Move(TimeSpan.FromHours(2));
        await StepAsync(a2, "acknowledge");
        await StepAsync(a3, "resolve", """{ "resolution": "accepted", "reason": "refunded by hand" }""");
        _clock.Move(TimeSpan.FromDays(20));
        await OpenAsync("rep-b1");
        _clock.Move(TimeSpan.FromDays(15));
        await OpenAsync("rep-c1");
        _clock.Move(TimeSpan.FromDays(5));
        var d1 = await OpenAsync("rep-d1");
        await StepAsync(d1, "assign", """{ "assignee": "finance", "reason": "a ledger matter" }""");

        var report = await ApiCalls.GetJsonAsync(_auditor, "/v1/reports/accountability");

        var records = (await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?snoozed=any&limit=1000")).GetProperty("items").EnumerateArray().ToList();
        var at = report.GetProperty("at").GetDateTimeOffset();
        var teams = report.GetProperty("teams").EnumerateArray().ToDictionary(t => t.GetProperty("team").GetString()!);
        Assert.Equal(["finance", "payments-team"], teams.Keys.Order());
        foreach (var (team, row) in teams)
        {
            var mine = records.Where(r => r.GetProperty("assignee").GetString() == team).ToList();
            var open = mine.Where(r => r.GetProperty("status").GetString() == "open").ToList();
            Assert.Equal(mine.Count, row.GetProperty("conflicts").GetInt64());
            Assert.Equal(open.Count, row.GetProperty("open").GetInt64());
            Assert.Equal(open.Count(r => r.TryGetProperty("acknowledgedBy", out _)), row.GetProperty("acknowledged").GetInt64());
            Assert.Equal(0, row.GetProperty("overdue").GetInt64());
            AssertPercentiles(Seconds(mine, "acknowledgedAt"), row, "timeToAcknowledgeSeconds");
            AssertPercentiles(Seconds(mine, "resolvedAt"), row, "timeToResolveSeconds");
            var days = open.Select(r => (int)Math.Floor((at - r.GetProperty("openedAt").GetDateTimeOffset()).TotalDays)).ToList();
            var ageing = row.GetProperty("ageing");
            Assert.Equal(
                (days.Count(d => d <= 1), days.Count(d => d is >= 2 and <= 7), days.Count(d => d is >= 8 and <= 30), days.Count(d => d > 30)),
                (ageing.GetProperty("days0To1").GetInt64(), ageing.GetProperty("days2To7").GetInt64(), ageing.GetProperty("days8To30").GetInt64(), ageing.GetProperty("over30Days").GetInt64()));
        }
        // The story itself, so that the computation above cannot agree with a report that reads nothing.
        var payments = teams["payments-team"];
        Assert.Equal((5, 4, 2, 1), (payments.GetProperty("conflicts").GetInt64(), payments.GetProperty("open").GetInt64(),
            payments.GetProperty("acknowledged").GetInt64(), payments.GetProperty("resolved").GetInt64()));
        Assert.Equal((2, 1, 1, 0), (payments.GetProperty("ageing").GetProperty("over30Days").GetInt64(), payments.GetProperty("ageing").GetProperty("days8To30").GetInt64(),
            payments.GetProperty("ageing").GetProperty("days2To7").GetInt64(), payments.GetProperty("ageing").GetProperty("days0To1").GetInt64()));
        Assert.InRange(payments.GetProperty("timeToAcknowledgeSeconds").GetProperty("p50").GetDouble(), 7200, 7260);
        Assert.False(teams["finance"].TryGetProperty("timeToResolveSeconds", out _));
    }

    [Fact]
    public async Task Given_a_window_when_reported_then_only_conflicts_opened_in_it_count_and_a_bad_time_is_400()
    {
        var before = _clock.GetUtcNow();
        await OpenAsync("win-1");

        var inside = await ApiCalls.GetJsonAsync(_auditor, $"/v1/reports/accountability?from={Uri.EscapeDataString(before.ToString("O"))}");
        var after = await ApiCalls.GetJsonAsync(_auditor, $"/v1/reports/accountability?from={Uri.EscapeDataString(_clock.GetUtcNow().AddMinutes(1).ToString("O"))}");
        var problem = await ApiCalls.GetJsonAsync(_auditor, "/v1/reports/accountability?to=yesterday", HttpStatusCode.BadRequest);

        Assert.Equal(1, inside.GetProperty("teams").EnumerateArray().Sum(t => t.GetProperty("conflicts").GetInt64()));
        Assert.Empty(after.GetProperty("teams").EnumerateArray());
        Assert.EndsWith("/problems/invalid-query", problem.GetProperty("type").GetString());
    }

    private static List<double> Seconds(IEnumerable<JsonElement> records, string end) =>
        [.. records.Where(r => r.TryGetProperty(end, out var t) && t.ValueKind == JsonValueKind.String)
            .Select(r => (r.GetProperty(end).GetDateTimeOffset() - r.GetProperty("openedAt").GetDateTimeOffset()).TotalSeconds)
            .Order()];

    private static void AssertPercentiles(List<double> sorted, JsonElement row, string name)
    {
        // Left out while there is nothing to measure.
        if (sorted.Count == 0)
        {
            Assert.False(row.TryGetProperty(name, out _), name);
            return;
        }
        var figures = row.GetProperty(name);
        Assert.Equal(Percentile(sorted, 0.5), figures.GetProperty("p50").GetDouble(), 3);
        Assert.Equal(Percentile(sorted, 0.95), figures.GetProperty("p95").GetDouble(), 3);
    }

    // As PostgreSQL's percentile_cont: linear interpolation between the closest ranks.
    private static double Percentile(List<double> sorted, double p)
    {
        var rank = p * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + ((rank - low) * (sorted[high] - sorted[low]));
    }

    /// <summary>The system clock, moved forward by the test; timestamps (leases, timers) stay real.</summary>
    private sealed class MovedClock : TimeProvider
    {
        private long _offsetTicks;

        public void Move(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
    }
}
