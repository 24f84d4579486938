using System.Net;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using Reconciler.Store.Replicas;

namespace Reconciler.IntegrationTests.Replicas;

/// <summary>
/// <c>serve --read-connection</c> against a real hot standby: reads reach the replica (its pg_stat_activity shows the
/// query, the primary's does not), a write's consistency token makes the next read see it, and a malformed token is a 400.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class ReplicaRoutingTests(ReplicaFixture replicas) : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private string _standby = null!;
    private ApiServer _server = null!;

    public async Task InitializeAsync()
    {
        (_database, _standby) = await replicas.CreateTestDatabaseAsync(nameof(ReplicaRoutingTests));
        _server = await ApiServer.StartAsync(_database, replicas: new ReplicaOptions { Connections = [_standby], TokenWait = TimeSpan.FromSeconds(5) });
        await _server.PutPolicyAsync(TestPolicies.Order());
        await ReplicaReads.WaitUntilReplicaServesAsync(_server);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _database.DisposeAsync();
    }

    // A fragment of the conflict list's statement (ConflictQuery's page), which nothing on the write path runs.
    private const string ConflictPage = "ORDER BY c.created_tx DESC, c.seq DESC";

    [Fact]
    public async Task Given_a_write_when_its_conflicts_truth_and_report_are_read_with_its_token_then_the_replica_answers_them_with_the_write()
    {
        var gateway = await _server.ClientWithRoleAsync("source", "payment-gateway");
        await ApiCalls.SendOneAsync(gateway, "route-1", "route-1-a", "payment", "authorized");
        var write = await gateway.PostAsync("/v1/signals", ApiServer.Json(ApiCalls.Signal("route-1", "route-1-b", "payment", "refunded")));
        write.EnsureSuccessStatusCode();
        var token = Assert.Single(write.Headers.GetValues(ConsistencyToken.Header));
        Assert.True(ConsistencyToken.TryParse(token, out _), token);

        var conflicts = await ReplicaReads.GetAsync(_server.Admin, "/v1/conflicts?operationId=route-1", token);
        var truth = await ReplicaReads.GetAsync(_server.Admin, "/v1/operations/route-1", token);
        var report = await ReplicaReads.GetAsync(_server.Admin, "/v1/reports/disagreements", token);

        Assert.All([conflicts, truth, report], r => Assert.Equal("replica-1", r.From));
        Assert.Single(conflicts.Body.GetProperty("items").EnumerateArray());
        Assert.Equal("route-1", truth.Body.GetProperty("operationId").GetString());
        Assert.True(await ReplicaFixture.CallsAsync(replicas.Standby.ConnectionString, _database.Name, ConflictPage) > 0, "the standby never ran the conflict list");
        Assert.Equal(0, await ReplicaFixture.CallsAsync(replicas.Primary.ConnectionString, _database.Name, ConflictPage));
    }

    [Fact]
    public async Task Given_reads_about_the_server_itself_when_health_is_asked_then_the_primary_answers_and_readyz_names_the_replica_in_step()
    {
        var health = await _server.Admin.GetAsync("/healthz");
        var ready = await ApiCalls.GetJsonAsync(_server.Admin, "/readyz");

        Assert.False(health.Headers.Contains(ReplicaReads.ReadFrom));
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("replicas").GetProperty("status").GetString());
        Assert.StartsWith("replica-1: ", ready.GetProperty("checks").GetProperty("replicas").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Given_a_console_write_when_the_next_console_page_is_read_then_a_cookie_carries_the_write_token_to_it()
    {
        var written = await _server.Anonymous.PostAsync("/console/sign-out", null);
        var cookie = Assert.Single(written.Headers.GetValues("Set-Cookie"), c => c.StartsWith("reconciler-consistency=", StringComparison.Ordinal));
        var token = cookie.Split(';')[0]["reconciler-consistency=".Length..];
        using var next = new HttpRequestMessage(HttpMethod.Get, "/console/sign-in");
        next.Headers.Add("Cookie", $"reconciler-consistency={token}");

        var page = await _server.Anonymous.SendAsync(next);

        Assert.Equal(Uri.UnescapeDataString(token), Assert.Single(written.Headers.GetValues(ConsistencyToken.Header)));
        Assert.Contains("path=/console", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("replica-1", Assert.Single(page.Headers.GetValues(ReplicaReads.ReadFrom)));
    }

    [Theory]
    [InlineData("16B374D848")]
    [InlineData("0/XYZ")]
    [InlineData("1/2/3")]
    public async Task Given_a_malformed_consistency_token_when_reading_then_a_400_problem_names_the_header(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/conflicts");
        request.Headers.TryAddWithoutValidation(ConsistencyToken.Header, token);

        var response = await _server.Admin.SendAsync(request);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("invalid-consistency-token", problem.GetProperty("type").GetString());
        Assert.Contains(ConsistencyToken.Header, problem.GetProperty("detail").GetString());
    }


}
