using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using Reconciler.Store;
using Reconciler.Store.Replicas;

namespace Reconciler.IntegrationTests.Replicas;

/// <summary>
/// A replica that stops replaying or disappears: reads with a token go to the primary within their bound, reads without
/// one say how far behind they are until the maximum lag, then go to the primary; <c>/readyz</c> names the replica.
/// Two servers, each with its own replica, share the primary.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class ReplicaFaultTests(ReplicaFixture replicas) : IAsyncLifetime
{
    private static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(2);
    private TestDatabase _database = null!;
    private string _standby = null!;
    private ApiServer _server = null!;
    private HttpClient _gateway = null!;

    public async Task InitializeAsync()
    {
        (_database, _standby) = await replicas.CreateTestDatabaseAsync(nameof(ReplicaFaultTests));
        _server = await StartAsync(_standby);
        await _server.PutPolicyAsync(TestPolicies.Order());
        _gateway = await _server.ClientWithRoleAsync("source", "payment-gateway");
        await ReplicaReads.WaitUntilReplicaServesAsync(_server);
    }

    public async Task DisposeAsync()
    {
        await ReplicaFixture.ExecuteAsync(replicas.Standby.ConnectionString, "SELECT pg_wal_replay_resume()");
        await _server.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Given_replay_paused_when_reading_then_a_token_read_goes_to_the_primary_a_plain_read_reports_its_lag_until_the_maximum_and_readyz_says_paused()
    {
        await ReplicaFixture.ExecuteAsync(replicas.Standby.ConnectionString, "SELECT pg_wal_replay_pause()");
        var token = await WriteAsync("paused-1");

        // First without the token, while the replica is still within the maximum lag (the token read below waits up to 2 s).
        var stale = await ApiCalls.EventuallyAsync(
            () => ReplicaReads.GetAsync(_server.Admin, "/v1/conflicts?operationId=paused-1"), r => r.From == "replica-1" && r.Lag > 0);
        var mine = await ReplicaReads.GetAsync(_server.Admin, "/v1/operations/paused-1", token);
        var past = await ApiCalls.EventuallyAsync(
            () => ReplicaReads.GetAsync(_server.Admin, "/v1/conflicts?operationId=paused-1"), r => r.From == "primary");
        var ready = await ApiCalls.GetJsonAsync(_server.Admin, "/readyz");

        Assert.Equal("primary", mine.From);
        Assert.Equal("paused-1", mine.Body.GetProperty("operationId").GetString());
        Assert.Equal("replica-1", stale.From);
        Assert.InRange(stale.Lag!.Value, double.Epsilon, MaxLag.TotalSeconds);
        Assert.Empty(stale.Body.GetProperty("items").EnumerateArray());
        Assert.Equal("primary", past.From);
        Assert.Null(past.Lag);
        Assert.Single(past.Body.GetProperty("items").EnumerateArray());
        Assert.Equal("Degraded", ready.GetProperty("status").GetString());
        Assert.Contains("replica-1: replay paused", Replicas(ready));

        await ReplicaFixture.ExecuteAsync(replicas.Standby.ConnectionString, "SELECT pg_wal_replay_resume()");
        await ReplicaReads.WaitUntilReplicaServesAsync(_server);
    }

    [Fact]
    public async Task Given_two_servers_each_with_a_replica_when_one_replica_disappears_then_its_server_reads_the_primary_and_names_it_and_the_other_goes_on()
    {
        await using var second = await EmbeddedPostgres.StartAsync(
            EmbeddedPostgresOptions.Temporary("reconciler-standby2") with { StandbyOf = replicas.Primary.ConnectionString });
        await using var other = await StartAsync(second.ConnectionStringFor(_database.Name));
        await ReplicaReads.WaitUntilReplicaServesAsync(other);
        var token = await WriteAsync("gone-1");

        var there = await ReplicaReads.GetAsync(other.Admin, "/v1/operations/gone-1", token);
        await second.StopAsync();
        // At once: a read chosen for the replica before its next check finds it gone is answered by the primary.
        var after = await ReplicaReads.GetAsync(other.Admin, "/v1/operations/gone-1");
        var ready = await ApiCalls.GetJsonAsync(other.Admin, "/readyz");
        var first = await ReplicaReads.GetAsync(_server.Admin, "/v1/operations/gone-1", token);

        Assert.Equal("replica-1", there.From);
        Assert.Equal("gone-1", there.Body.GetProperty("operationId").GetString());
        Assert.Equal("primary", after.From);
        Assert.Equal("gone-1", after.Body.GetProperty("operationId").GetString());
        Assert.Equal("Degraded", ready.GetProperty("status").GetString());
        Assert.Contains("replica-1: unreachable", Replicas(ready));
        Assert.Equal("replica-1", first.From);
    }

    [Fact]
    public async Task Given_replay_paused_when_the_cli_writes_then_reads_then_it_reads_its_own_write_while_a_reader_without_the_token_reads_the_replica()
    {
        await using var patient = await ApiServer.StartAsync(_database, runDeadlineWorker: false, replicas: new ReplicaOptions
        {
            Connections = [_standby], MaxLag = TimeSpan.FromMinutes(1), TokenWait = TimeSpan.FromMilliseconds(500),
        });
        await ReplicaReads.WaitUntilReplicaServesAsync(patient);
        using var cli = new Reconciler.Cli.ServerClient(patient.BaseAddress.ToString(), ApiServer.AdminSecret);
        await ReplicaFixture.ExecuteAsync(replicas.Standby.ConnectionString, "SELECT pg_wal_replay_pause()");

        await cli.SendJsonAsync(HttpMethod.Post, "/v1/signals", """{ "operationId": "cli-1", "operationType": "order", "signalId": "cli-1-a", "source": "payment-gateway", "facet": "payment", "state": "authorized" }""", CancellationToken.None);
        var own = await cli.GetJsonAsync("/v1/operations/cli-1", CancellationToken.None);
        var other = await patient.Admin.GetAsync("/v1/operations/cli-1");

        Assert.Equal("cli-1", own.GetProperty("operationId").GetString());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal("replica-1", Assert.Single(other.Headers.GetValues(ReplicaReads.ReadFrom)));
    }

    private Task<ApiServer> StartAsync(string replica) => ApiServer.StartAsync(_database, runDeadlineWorker: false, replicas: new ReplicaOptions
    {
        Connections = [replica],
        MaxLag = MaxLag,
        // The test primary commits asynchronously: its WAL reaches the standby within wal_writer_delay, not at once.
        TokenWait = TimeSpan.FromSeconds(2),
    });

    // A write that opens a conflict on the operation; the consistency token it answered.
    private async Task<string> WriteAsync(string operationId)
    {
        await ApiCalls.SendOneAsync(_gateway, operationId, operationId + "-a", "payment", "authorized");
        var response = await _gateway.PostAsync("/v1/signals", ApiServer.Json(ApiCalls.Signal(operationId, operationId + "-b", "payment", "refunded")));
        response.EnsureSuccessStatusCode();
        return Assert.Single(response.Headers.GetValues(ConsistencyToken.Header));
    }

    private static string Replicas(JsonElement ready) =>
        ready.GetProperty("checks").GetProperty("replicas").GetProperty("description").GetString() ?? "";
}
