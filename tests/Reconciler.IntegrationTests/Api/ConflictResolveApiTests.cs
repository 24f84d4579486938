using System.Net;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>POST /v1/conflicts/{id}/resolve: each resolution, overrides, and the refusals.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ConflictResolveApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _gateway = null!;
    private HttpClient _erp = null!;
    private HttpClient _auditor = null!;
    private HttpClient _resolver = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(ConflictResolveApiTests));
        _server = await ApiServer.StartAsync(_db);
        await _server.PutPolicyAsync(TestPolicies.Order());
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _erp = await _server.ClientWithRoleAsync("source", source: "erp");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        _resolver = await _server.ClientWithRoleAsync("resolver", name: "rita");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    /// <summary>An open invalid-transition conflict on the payment facet (authorized → refunded).</summary>
    private Task<string> OpenConflictAsync(string operationId) => ApiCalls.OpenInvalidTransitionAsync(_gateway, operationId);

    private Task<(HttpStatusCode Status, JsonElement Body)> ResolveAsync(string conflictId, string body, HttpClient? client = null) =>
        ApiCalls.PostJsonAsync(client ?? _resolver, $"/v1/conflicts/{conflictId}/resolve", body);

    [Theory]
    [InlineData("accepted")]
    [InlineData("compensated")]
    [InlineData("dismissed")]
    public async Task Given_an_open_conflict_when_a_resolver_resolves_it_then_the_record_is_closed_with_identity_and_reason(string resolution)
    {
        var conflictId = await OpenConflictAsync("r-" + resolution);

        var (status, record) = await ResolveAsync(conflictId, $$"""{ "resolution": "{{resolution}}", "reason": "refund was manual" }""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(conflictId, record.GetProperty("conflictId").GetString());
        Assert.Equal("resolved", record.GetProperty("status").GetString());
        Assert.Equal(resolution, record.GetProperty("resolution").GetString());
        Assert.Equal("rita", record.GetProperty("resolvedBy").GetString());
        Assert.Equal("refund was manual", record.GetProperty("reason").GetString());
        Assert.True(record.GetProperty("evidence").GetArrayLength() >= 2);
        var events = await ApiCalls.GetJsonAsync(_auditor, $"/v1/operations/r-{resolution}/events");
        var resolved = Assert.Single(events.EnumerateArray(), e => e.GetProperty("type").GetString() == "OperatorResolved");
        Assert.Equal("rita", resolved.GetProperty("metadata").GetProperty("operator").GetString());
        var truth = await ApiCalls.GetJsonAsync(_auditor, $"/v1/operations/r-{resolution}");
        Assert.Empty(truth.GetProperty("openConflicts").EnumerateArray());
    }

    [Fact]
    public async Task Given_an_override_when_resolving_then_the_facet_state_becomes_the_truth_with_basis_override()
    {
        var conflictId = await OpenConflictAsync("r-override");

        var (status, record) = await ResolveAsync(conflictId,
            """{ "resolution": "overridden", "reason": "the bank confirmed the capture", "override": { "facet": "payment", "state": "captured" } }""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("overridden", record.GetProperty("resolution").GetString());
        var payment = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/r-override")).GetProperty("facets").GetProperty("payment");
        Assert.Equal("captured", payment.GetProperty("state").GetString());
        Assert.Equal("override", payment.GetProperty("basis").GetString());
    }

    [Fact]
    public async Task Given_a_closed_conflict_when_resolving_again_then_409()
    {
        var conflictId = await OpenConflictAsync("r-twice");
        Assert.Equal(HttpStatusCode.OK, (await ResolveAsync(conflictId, """{ "resolution": "accepted", "reason": "fine" }""")).Status);

        var (status, problem) = await ResolveAsync(conflictId, """{ "resolution": "dismissed", "reason": "again" }""");

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.EndsWith("/problems/conflict-closed", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Given_bad_requests_when_resolving_then_400_404_and_403_say_what_to_fix()
    {
        var conflictId = await OpenConflictAsync("r-bad");
        foreach (var (body, slug) in new[]
        {
            ("""{ "resolution": "accepted" }""", "missing-reason"),
            ("""{ "resolution": "accepted", "reason": "  " }""", "missing-reason"),
            ("""{ "resolution": "converged", "reason": "x" }""", "invalid-resolution"),
            ("""{ "reason": "x" }""", "invalid-resolution"),
            ("""{ "resolution": "overridden", "reason": "x" }""", "invalid-override"),
            ("""{ "resolution": "overridden", "reason": "x", "override": { "facet": "payment", "state": "lost" } }""", "invalid-override"),
            ("""{ "resolution": "accepted", "reason": "x", "override": { "facet": "payment", "state": "captured" } }""", "invalid-override"),
            ("""not json""", "malformed-json"),
        })
        {
            var (status, problem) = await ResolveAsync(conflictId, body);
            Assert.True(status == HttpStatusCode.BadRequest, $"{body}: {(int)status}");
            Assert.EndsWith("/problems/" + slug, problem.GetProperty("type").GetString());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        }
        Assert.Equal(HttpStatusCode.NotFound, (await ResolveAsync("no-such-conflict", """{ "resolution": "accepted", "reason": "x" }""")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await ResolveAsync(conflictId, """{ "resolution": "accepted", "reason": "x" }""", _auditor)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await ResolveAsync(conflictId, """{ "resolution": "accepted", "reason": "x" }""", _erp)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ResolveAsync(conflictId, """{ "resolution": "accepted", "reason": "x" }""", _server.Anonymous)).Status);
        var record = await ApiCalls.GetJsonAsync(_auditor, "/v1/conflicts/" + conflictId);
        Assert.Equal("open", record.GetProperty("status").GetString());
    }
}
