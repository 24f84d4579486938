using System.Net;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>Four-eyes approval over HTTP: propose (202), approve by another resolver, same-person, reject, and a proposal that lapses.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ApprovalApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _gateway = null!;
    private HttpClient _crm = null!;
    private HttpClient _erp = null!;
    private HttpClient _auditor = null!;
    private HttpClient _rita = null!;
    private HttpClient _sam = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(ApprovalApiTests));
        _server = await ApiServer.StartAsync(_db);
        await _server.PutPolicyAsync(TestPolicies.Order(graceSeconds: 1).Replace("\"graceSeconds\": 1,",
            "\"graceSeconds\": 1, \"approvals\": { \"overridden\": 2, \"dismissed\": 2, \"accepted\": 1 },", StringComparison.Ordinal));
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _crm = await _server.ClientWithRoleAsync("source", source: "crm");
        _erp = await _server.ClientWithRoleAsync("source", source: "erp");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        _rita = await _server.ClientWithRoleAsync("resolver", name: "rita");
        _sam = await _server.ClientWithRoleAsync("resolver", name: "sam");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    /// <summary>An open invalid-transition conflict on the payment facet (authorized → refunded).</summary>
    private Task<string> OpenConflictAsync(string operationId) => ApiCalls.OpenInvalidTransitionAsync(_gateway, operationId);

    private static Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string conflictId, string verb, string body) =>
        ApiCalls.PostJsonAsync(client, $"/v1/conflicts/{conflictId}/{verb}", body);

    private async Task<List<string>> EventTypesAsync(string operationId) =>
        (await ApiCalls.GetJsonAsync(_auditor, $"/v1/operations/{operationId}/events")).EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToList();

    [Fact]
    public async Task Given_a_resolution_that_needs_two_when_proposed_and_approved_by_another_then_it_closes_with_both_identities()
    {
        var id = await OpenConflictAsync("ap-1");

        var (proposedStatus, proposed) = await PostAsync(_rita, id, "resolve", """{ "resolution": "dismissed", "reason": "test order" }""");

        Assert.Equal(HttpStatusCode.Accepted, proposedStatus);
        Assert.Equal("open", proposed.GetProperty("status").GetString());
        var pending = proposed.GetProperty("pendingResolution");
        Assert.Equal(("dismissed", "rita", "test order", 2),
            (pending.GetProperty("resolution").GetString(), pending.GetProperty("proposedBy").GetString(), pending.GetProperty("reason").GetString(), pending.GetProperty("approvals").GetInt32()));

        var (selfStatus, self) = await PostAsync(_rita, id, "approve", """{ "reason": "looks right to me" }""");
        Assert.Equal(HttpStatusCode.Forbidden, selfStatus);
        Assert.EndsWith("/same-person", self.GetProperty("type").GetString(), StringComparison.Ordinal);

        var (status, record) = await PostAsync(_sam, id, "approve", """{ "reason": "confirmed with the shop" }""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("resolved", "dismissed", "rita", "sam"), (record.GetProperty("status").GetString(), record.GetProperty("resolution").GetString(),
            record.GetProperty("resolvedBy").GetString(), record.GetProperty("approvedBy").GetString()));
        Assert.False(record.TryGetProperty("pendingResolution", out _));
        Assert.Equal(["ResolutionProposed", "OperatorResolved", "ConflictResolved"], (await EventTypesAsync("ap-1")).TakeLast(3));
        var detail = await ApiCalls.GetJsonAsync(_auditor, $"/v1/conflicts/{id}");
        Assert.Contains("ResolutionProposed", detail.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        var feed = await ApiCalls.GetJsonAsync(_auditor, "/v1/feed?types=ResolutionProposed,OperatorResolved&limit=100");
        var resolved = feed.GetProperty("items").EnumerateArray().Last(i => i.GetProperty("operationId").GetString() == "ap-1");
        Assert.Equal(("OperatorResolved", "sam", "confirmed with the shop"), (resolved.GetProperty("type").GetString(),
            resolved.GetProperty("data").GetProperty("approvedBy").GetString(), resolved.GetProperty("data").GetProperty("approvalReason").GetString()));
    }

    [Fact]
    public async Task Given_a_pending_proposal_when_rejected_then_the_conflict_stays_open_and_a_direct_resolution_waits_for_it()
    {
        var id = await OpenConflictAsync("ap-2");
        await PostAsync(_rita, id, "resolve", """{ "resolution": "dismissed", "reason": "test order" }""");

        var (blockedStatus, blocked) = await PostAsync(_sam, id, "resolve", """{ "resolution": "accepted", "reason": "fine" }""");
        Assert.Equal(HttpStatusCode.Conflict, blockedStatus);
        Assert.EndsWith("/proposal-pending", blocked.GetProperty("type").GetString(), StringComparison.Ordinal);

        var (status, record) = await PostAsync(_sam, id, "reject", """{ "reason": "it was a real order" }""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("open", record.GetProperty("status").GetString());
        Assert.False(record.TryGetProperty("pendingResolution", out _));
        Assert.Equal("ResolutionRejected", (await EventTypesAsync("ap-2"))[^1]);
        var (noneStatus, none) = await PostAsync(_sam, id, "approve", """{ "reason": "too late" }""");
        Assert.Equal(HttpStatusCode.Conflict, noneStatus);
        Assert.EndsWith("/no-pending-resolution", none.GetProperty("type").GetString(), StringComparison.Ordinal);

        var (acceptedStatus, accepted) = await PostAsync(_sam, id, "resolve", """{ "resolution": "accepted", "reason": "fine" }""");
        Assert.Equal(HttpStatusCode.OK, acceptedStatus);
        Assert.Equal("accepted", accepted.GetProperty("resolution").GetString());
    }

    [Fact]
    public async Task Given_a_pending_override_when_the_sources_converge_then_the_conflict_closes_as_converged_and_the_proposal_lapses()
    {
        await ApiCalls.SendOneAsync(_crm, "ap-3", "ap-3-c", "journey", "abandoned-cart");
        await ApiCalls.SendOneAsync(_erp, "ap-3", "ap-3-e", "journey", "purchased");
        var open = await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts?operationId=ap-3&status=open"),
            page => page.GetProperty("items").GetArrayLength() == 1);
        var id = open.GetProperty("items")[0].GetProperty("conflictId").GetString()!;
        var (proposedStatus, _) = await PostAsync(_rita, id, "resolve",
            """{ "resolution": "overridden", "reason": "erp has the invoice", "override": { "facet": "journey", "state": "purchased" } }""");
        Assert.Equal(HttpStatusCode.Accepted, proposedStatus);

        await ApiCalls.SendOneAsync(_erp, "ap-3", "ap-3-e2", "journey", "abandoned-cart");

        var record = await ApiCalls.GetJsonAsync(_auditor, $"/v1/conflicts/{id}");
        Assert.Equal(("resolved", "converged"), (record.GetProperty("status").GetString(), record.GetProperty("resolution").GetString()));
        Assert.False(record.TryGetProperty("pendingResolution", out _));
        Assert.Contains("ResolutionLapsed", record.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        var (lateStatus, _) = await PostAsync(_sam, id, "approve", """{ "reason": "too late" }""");
        Assert.Equal(HttpStatusCode.Conflict, lateStatus);
        Assert.Equal("abandoned-cart", (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/ap-3")).GetProperty("facets").GetProperty("journey").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Given_an_approval_without_a_reason_when_posted_then_it_is_refused_naming_the_field_and_nothing_is_stored()
    {
        var id = await OpenConflictAsync("ap-4");
        await PostAsync(_rita, id, "resolve", """{ "resolution": "dismissed", "reason": "test order" }""");
        var before = await EventTypesAsync("ap-4");

        var (status, problem) = await PostAsync(_sam, id, "approve", """{ "reason": "  " }""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("reason", problem.GetProperty("field").GetString());
        Assert.Equal(before, await EventTypesAsync("ap-4"));
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(_sam, "no-such-conflict", "reject", """{ "reason": "x" }""")).Status);
    }
}
