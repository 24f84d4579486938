using System.Net;
using System.Text.Json;
using CsvHelper;

namespace Reconciler.IntegrationTests.Api;

/// <summary>POST /v1/conflicts/{id}/acknowledge, /snooze and /assign: each an event by the caller's key, and the refusals, which store nothing.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ConflictLifecycleApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _gateway = null!;
    private HttpClient _auditor = null!;
    private HttpClient _rita = null!;
    private HttpClient _sam = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(ConflictLifecycleApiTests));
        _server = await ApiServer.StartAsync(_db);
        await _server.PutPolicyAsync(TestPolicies.Accountable());
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        _rita = await _server.ClientWithRoleAsync("resolver", name: "rita");
        _sam = await _server.ClientWithRoleAsync("resolver", name: "sam");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    /// <summary>An open invalid-transition conflict (medium, the payments team's) on the payment facet.</summary>
    private Task<string> OpenConflictAsync(string operationId) => ApiCalls.OpenInvalidTransitionAsync(_gateway, operationId);

    private Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string conflictId, string step, string body, HttpClient? client = null) =>
        ApiCalls.PostJsonAsync(client ?? _rita, $"/v1/conflicts/{conflictId}/{step}", body);

    private async Task<IReadOnlyList<JsonElement>> EventsAsync(string operationId) =>
        [.. (await ApiCalls.GetJsonAsync(_auditor, $"/v1/operations/{operationId}/events")).EnumerateArray()];

    private static string Until(TimeSpan fromNow) => (DateTimeOffset.UtcNow + fromNow).ToString("yyyy-MM-ddTHH:mm:ssZ");

    [Fact]
    public async Task Given_an_open_conflict_when_a_resolver_acknowledges_it_twice_then_one_event_names_them_and_the_record_says_when()
    {
        var conflictId = await OpenConflictAsync("ack-1");
        var opened = await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts/" + conflictId);
        Assert.Equal("payments-team", opened.GetProperty("assignee").GetString());
        Assert.Equal(opened.GetProperty("openedAt").GetDateTimeOffset() + TimeSpan.FromDays(1), opened.GetProperty("dueBy").GetDateTimeOffset());

        var (status, record) = await PostAsync(conflictId, "acknowledge", "");
        var (again, _) = await PostAsync(conflictId, "acknowledge", "{}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (status, again));
        Assert.Equal("rita", record.GetProperty("acknowledgedBy").GetString());
        Assert.True(record.GetProperty("acknowledgedAt").GetDateTimeOffset() >= record.GetProperty("openedAt").GetDateTimeOffset());
        Assert.Equal("open", record.GetProperty("status").GetString());
        var acknowledged = Assert.Single(await EventsAsync("ack-1"), e => e.GetProperty("type").GetString() == "ConflictAcknowledged");
        Assert.Equal("rita", acknowledged.GetProperty("data").GetProperty("acknowledgedBy").GetString());
        Assert.Equal("rita", acknowledged.GetProperty("metadata").GetProperty("operator").GetString());
        Assert.Contains(acknowledged.GetProperty("position").GetInt64(), record.GetProperty("evidence").EnumerateArray().Select(p => p.GetInt64()));
    }

    [Fact]
    public async Task Given_an_open_conflict_when_snoozed_then_it_leaves_the_default_queue_until_then_and_keeps_its_status_and_clock()
    {
        var conflictId = await OpenConflictAsync("snooze-1");
        var until = Until(TimeSpan.FromHours(2));

        var (status, record) = await PostAsync(conflictId, "snooze", $$"""{ "until": "{{until}}", "reason": "waiting for the bank" }""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture), record.GetProperty("snoozedUntil").GetDateTimeOffset());
        Assert.Equal(("rita", "waiting for the bank", "open"),
            (record.GetProperty("snoozedBy").GetString(), record.GetProperty("snoozeReason").GetString(), record.GetProperty("status").GetString()));
        Assert.True(record.TryGetProperty("dueBy", out _));
        Assert.Empty(await ListAsync("operationId=snooze-1"));
        Assert.Empty(await ListAsync("operationId=snooze-1&snoozed=false"));
        Assert.Equal([conflictId], await ListAsync("operationId=snooze-1&snoozed=true"));
        Assert.Equal([conflictId], await ListAsync("operationId=snooze-1&snoozed=any"));
        Assert.Single(await EventsAsync("snooze-1"), e => e.GetProperty("type").GetString() == "ConflictSnoozed");
    }

    [Fact]
    public async Task Given_an_acknowledged_conflict_when_assigned_to_another_team_then_that_team_has_it_and_nobody_has_acknowledged_it()
    {
        var conflictId = await OpenConflictAsync("assign-1");
        await PostAsync(conflictId, "acknowledge", "");

        var (status, record) = await PostAsync(conflictId, "assign", """{ "assignee": "finance", "reason": "the refund is a ledger matter" }""", _sam);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("finance", "sam", "the refund is a ledger matter"),
            (record.GetProperty("assignee").GetString(), record.GetProperty("assignedBy").GetString(), record.GetProperty("assignReason").GetString()));
        Assert.False(record.TryGetProperty("acknowledgedBy", out _));
        var assigned = Assert.Single(await EventsAsync("assign-1"), e => e.GetProperty("type").GetString() == "ConflictAssigned");
        Assert.Equal("payments-team", assigned.GetProperty("data").GetProperty("previousAssignee").GetString());
        Assert.Equal([conflictId], await ListAsync("operationId=assign-1&assignee=finance&acknowledged=false"));
        Assert.Empty(await ListAsync("operationId=assign-1&assignee=payments-team"));
        Assert.Empty(await ListAsync("operationId=assign-1&acknowledged=true"));
        var export = await _auditor.GetStringAsync("/v1/conflicts?format=csv&operationId=assign-1");
        Assert.EndsWith(",cause,assignee,dueBy,acknowledgedBy", export[..export.IndexOf('\r', StringComparison.Ordinal)], StringComparison.Ordinal);
        using var csv = CsvReader.FromText(export);
        Assert.True(csv.Read());
        Assert.Equal(("finance", record.GetProperty("dueBy").GetString(), ""), (csv.GetString("assignee"), csv.GetString("dueBy"), csv.GetString("acknowledgedBy")));
    }

    [Fact]
    public async Task Given_bad_steps_when_posted_then_problems_say_what_to_fix_and_nothing_is_stored()
    {
        var conflictId = await OpenConflictAsync("bad-1");
        var before = (await EventsAsync("bad-1")).Count;
        foreach (var (step, body, expected, slug) in new[]
        {
            ("snooze", """{ "reason": "later" }""", HttpStatusCode.BadRequest, "invalid-until"),
            ("snooze", """{ "until": "tomorrow", "reason": "later" }""", HttpStatusCode.BadRequest, "invalid-until"),
            ("snooze", $$"""{ "until": "{{Until(TimeSpan.FromHours(1))}}" }""", HttpStatusCode.BadRequest, "missing-reason"),
            ("snooze", $$"""{ "until": "{{Until(TimeSpan.FromHours(-1))}}", "reason": "later" }""", HttpStatusCode.UnprocessableEntity, "snooze-in-the-past"),
            ("snooze", "not json", HttpStatusCode.BadRequest, "malformed-json"),
            ("assign", """{ "reason": "theirs" }""", HttpStatusCode.BadRequest, "missing-assignee"),
            ("assign", """{ "assignee": "finance" }""", HttpStatusCode.BadRequest, "missing-reason"),
            ("assign", """{ "assignee": "the finance team", "reason": "theirs" }""", HttpStatusCode.UnprocessableEntity, "invalid-assignee"),
            ("assign", """{ "assignee": "payments-team", "reason": "theirs" }""", HttpStatusCode.Conflict, "same-assignee"),
            ("assign", "[]", HttpStatusCode.BadRequest, "malformed-json"),
            ("acknowledge", """{ "acknowledgedBy": "someone else" }""", HttpStatusCode.BadRequest, "invalid-acknowledgement"),
            ("acknowledge", "\"me\"", HttpStatusCode.BadRequest, "malformed-json"),
        })
        {
            var (status, problem) = await PostAsync(conflictId, step, body);
            Assert.True(status == expected, $"{step} {body}: {(int)status} {problem}");
            Assert.EndsWith("/problems/" + slug, problem.GetProperty("type").GetString());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        }
        foreach (var step in new[] { "acknowledge", "snooze", "assign" })
        {
            var body = step == "acknowledge" ? "" : $$"""{ "until": "{{Until(TimeSpan.FromHours(1))}}", "assignee": "finance", "reason": "x" }""";
            var (unknown, problem) = await PostAsync("invalid-transition-0000000000000000", step, body);
            Assert.Equal(HttpStatusCode.NotFound, unknown);
            Assert.EndsWith("/problems/unknown-conflict", problem.GetProperty("type").GetString());
            Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(conflictId, step, body, _auditor)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(conflictId, step, body, _server.Anonymous)).Status);
        }
        Assert.Equal(before, (await EventsAsync("bad-1")).Count);
    }

    [Fact]
    public async Task Given_a_resolved_conflict_when_any_step_is_taken_then_409_conflict_closed()
    {
        var conflictId = await OpenConflictAsync("closed-1");
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(conflictId, "resolve", """{ "resolution": "accepted", "reason": "fine" }""")).Status);

        foreach (var (step, body) in new[]
        {
            ("acknowledge", ""),
            ("snooze", $$"""{ "until": "{{Until(TimeSpan.FromHours(1))}}", "reason": "later" }"""),
            ("assign", """{ "assignee": "finance", "reason": "theirs" }"""),
        })
        {
            var (status, problem) = await PostAsync(conflictId, step, body);
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.EndsWith("/problems/conflict-closed", problem.GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task Given_a_policy_with_a_wrong_accountability_section_when_put_then_422_names_each_path()
    {
        var policy = System.Text.Json.Nodes.JsonNode.Parse(TestPolicies.Accountable())!.AsObject();
        policy["accountability"]!["resolveWithin"] = System.Text.Json.Nodes.JsonNode.Parse("""{ "high": "4 hours", "urgent": "PT1H" }""");
        policy["accountability"]!["facets"] = System.Text.Json.Nodes.JsonNode.Parse("""{ "ledgr": "finance" }""");

        var response = await _server.Admin.PutAsync("/v1/policies/order", ApiServer.Json(policy.ToJsonString()));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = problem.GetProperty("errors").EnumerateArray().ToDictionary(p => p.GetProperty("path").GetString()!, p => p.GetProperty("message").GetString()!);
        Assert.Contains("not an ISO-8601 duration", errors["accountability.resolveWithin.high"], StringComparison.Ordinal);
        Assert.Contains("unknown severity 'urgent'", errors["accountability.resolveWithin.urgent"], StringComparison.Ordinal);
        Assert.Contains("did you mean 'ledger'?", errors["accountability.facets.ledgr"], StringComparison.Ordinal);
        var version = await ApiCalls.GetJsonAsync(_auditor, "/v1/policies/order");
        Assert.Equal(1, version.GetProperty("version").GetInt32());
    }

    private async Task<IReadOnlyList<string>> ListAsync(string query) =>
        [.. (await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?" + query)).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("conflictId").GetString()!)];
}
