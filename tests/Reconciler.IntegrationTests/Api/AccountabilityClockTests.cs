using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// The deadline worker drives the people's clocks (under its lease, on the one write path): a medium conflict due within
/// two seconds becomes overdue and is escalated to ops-leads; an order without an outcome three seconds after its first
/// signal gets an <c>unfinished</c> conflict that closes by itself when the outcome is declared.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AccountabilityClockTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _gateway = null!;
    private HttpClient _auditor = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(AccountabilityClockTests));
        _server = await ApiServer.StartAsync(_db);
        await _server.PutPolicyAsync(TestPolicies.Accountable(high: "PT1H", medium: "PT2S", finishWithin: "PT3S"));
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    private Task<JsonElement> RecordAsync(string conflictId) => ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts/" + conflictId);

    private async Task<IReadOnlyList<string>> ListAsync(string query) =>
        [.. (await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?" + query)).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("conflictId").GetString()!)];

    [Fact]
    public async Task Given_an_open_conflict_when_its_dueBy_passes_then_it_is_overdue_and_escalated_and_the_feed_says_so()
    {
        var conflictId = await ApiCalls.OpenInvalidTransitionAsync(_gateway, "due-1");
        Assert.Empty(await ListAsync("operationId=due-1&overdue=true"));

        var record = await ApiCalls.EventuallyAsync(() => RecordAsync(conflictId), r => r.TryGetProperty("escalatedAt", out _), TimeSpan.FromSeconds(20));

        var dueBy = record.GetProperty("dueBy").GetDateTimeOffset();
        Assert.Equal(record.GetProperty("openedAt").GetDateTimeOffset() + TimeSpan.FromSeconds(2), dueBy);
        Assert.True(record.GetProperty("overdueAt").GetDateTimeOffset() >= dueBy);
        Assert.Equal(("ops-leads", "open"), (record.GetProperty("assignee").GetString(), record.GetProperty("status").GetString()));
        Assert.Contains(conflictId, await ListAsync("operationId=due-1&overdue=true&assignee=ops-leads"));
        Assert.DoesNotContain(conflictId, await ListAsync("operationId=due-1&overdue=false"));
        var feed = (await ApiCalls.GetJsonAsync(_auditor, "/v1/feed?types=ConflictOverdue,ConflictEscalated&limit=1000")).GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("data").GetProperty("conflictId").GetString() == conflictId).ToList();
        Assert.Equal(["ConflictOverdue", "ConflictEscalated"], feed.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal("payments-team", feed[0].GetProperty("data").GetProperty("assignee").GetString());
        Assert.Equal(("payments-team", "ops-leads"),
            (feed[1].GetProperty("data").GetProperty("previousAssignee").GetString(), feed[1].GetProperty("data").GetProperty("assignee").GetString()));
    }

    [Fact]
    public async Task Given_an_order_without_an_outcome_when_finishWithin_passes_then_unfinished_opens_for_the_owner_and_closes_on_the_outcome()
    {
        await ApiCalls.SendOneAsync(_gateway, "fin-1", "fin-1-a", "payment", "authorized");
        var clock = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/fin-1/events")).EnumerateArray()
            .Single(e => e.GetProperty("type").GetString() == "FinishClockStarted").GetProperty("data");

        var unfinished = await ApiCalls.EventuallyAsync(() => ListAsync("operationId=fin-1&kind=unfinished"), l => l.Count == 1, TimeSpan.FromSeconds(20));

        var opened = await RecordAsync(Assert.Single(unfinished));
        Assert.Equal(("high", "order-ops", "open"),
            (opened.GetProperty("severity").GetString(), opened.GetProperty("assignee").GetString(), opened.GetProperty("status").GetString()));
        Assert.True(opened.GetProperty("openedAt").GetDateTimeOffset() >= clock.GetProperty("due").GetDateTimeOffset());
        Assert.Equal(clock.GetProperty("since").GetDateTimeOffset() + TimeSpan.FromSeconds(3), clock.GetProperty("due").GetDateTimeOffset());
        Assert.Contains("payment", opened.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await ApiCalls.SendOneAsync(_gateway, "fin-1", "fin-1-b", "payment", "declined");

        var closed = await RecordAsync(unfinished[0]);
        Assert.Equal(("resolved", "finished"), (closed.GetProperty("status").GetString(), closed.GetProperty("resolution").GetString()));
        var truth = await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/fin-1");
        Assert.Equal("failed", truth.GetProperty("outcome").GetString());
    }
}
