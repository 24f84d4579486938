using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Reconciler.IntegrationTests.Api;
using Xunit.Abstractions;

namespace Reconciler.IntegrationTests.Cluster;

/// <summary>
/// A lease holder frozen with SIGSTOP in the middle of a deadline write, past its lease's expiry, then thawed:
/// another node took the lease over and let the deadline pass; the frozen node's late write is refused by the
/// database (the fence), and the operation's stream holds one decision, not two.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterFencingTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await postgres.CreateDatabaseAsync(nameof(ClusterFencingTests));

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Given_the_deadline_holder_frozen_inside_its_write_when_it_thaws_after_a_takeover_then_its_write_is_refused_and_the_deadline_passed_once()
    {
        await using var cluster = await ServerCluster.StartAsync(_db, "a", "b");
        using var admin = cluster.Client("a");
        (await admin.PutAsync("/v1/policies/order", ApiServer.Json(TestPolicies.Order(ledgerWithin: "PT2S", journeyWithin: "PT1H")))).EnsureSuccessStatusCode();
        var sourceKey = (await (await admin.PostAsJsonAsync("/v1/keys", new { role = "source", source = "payment-gateway" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        var holder = await cluster.WaitForHolderAsync("deadlines", "a");
        var other = holder == "a" ? "b" : "a";
        var epochBefore = await EpochAsync(cluster, other);

        // The operation's deadline comes due in 2 s; this test holds the operation's write lock (the key the write
        // path locks) so that the holder's deadline write, once started, waits inside its transaction.
        const string Operation = "fenced-1";
        using (var source = cluster.Client(other, sourceKey))
        {
            var sent = await source.PostAsJsonAsync("/v1/signals", new { operationId = Operation, operationType = "order", signalId = "fenced-1-captured", facet = "payment", state = "captured" });
            Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        }
        await using var blocker = await _db.DataSource.OpenConnectionAsync();
        await ExecuteAsync(blocker, $"SELECT pg_advisory_lock(hashtextextended('{Operation}', 0))");
        var waiting = await ApiCalls.EventuallyAsync(() => ScalarAsync("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"),
            n => n > 0, TimeSpan.FromSeconds(20));
        Assert.True(waiting > 0, $"the holder's deadline write never started\n{cluster.Output(holder)}");

        await cluster.FreezeAsync(holder);
        await ExecuteAsync(blocker, $"SELECT pg_advisory_unlock(hashtextextended('{Operation}', 0))");
        // The holder's lease expires, its idle transaction is ended by the database, the other node takes over and decides.
        using var reader = cluster.Client(other);
        var events = await ApiCalls.EventuallyAsync(() => reader.GetFromJsonAsync<JsonElement>($"/v1/operations/{Operation}/events"),
            e => e.EnumerateArray().Any(x => x.GetProperty("type").GetString() == "DeadlinePassed"), TimeSpan.FromSeconds(30));
        Assert.Contains(events.EnumerateArray(), x => x.GetProperty("type").GetString() == "DeadlinePassed");
        Assert.Equal(other, await cluster.WaitForHolderAsync("deadlines", other));
        Assert.True(await EpochAsync(cluster, other) > epochBefore);

        await cluster.ThawAsync(holder);
        // The deadline write specifically: the storm guard, under its own lease on the same node, may be refused first.
        await ApiCalls.EventuallyAsync(() => cluster.HealthOrNullAsync(holder),
            h => h is { } answer && answer.GetProperty("node").GetProperty("fencedWrites").GetInt64() > 0
                && cluster.Output(holder).Contains("was refused: lease deadlines (epoch", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var health = await cluster.HealthAsync(holder);
        Assert.True(health.GetProperty("node").GetProperty("fencedWrites").GetInt64() > 0, $"the thawed node's write was not refused\n{cluster.Output(holder)}");
        Assert.DoesNotContain(health.GetProperty("node").GetProperty("leases").EnumerateArray(), l => l.GetProperty("name").GetString() == "deadlines");
        Assert.Contains("was refused: lease deadlines (epoch", cluster.Output(holder), StringComparison.Ordinal);

        await Task.Delay(TimeSpan.FromSeconds(2)); // room for any late write to land, if one could
        var final = await reader.GetFromJsonAsync<JsonElement>($"/v1/operations/{Operation}/events");
        Assert.Single(final.EnumerateArray(), x => x.GetProperty("type").GetString() == "DeadlinePassed");
        var versions = final.EnumerateArray().Select(x => x.GetProperty("version").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, versions.Count).Select(v => (long)v), versions);
        output.WriteLine($"{holder} froze inside its deadline write; {other} took the lease over; on thawing, {holder}'s write was refused:\n"
            + string.Join('\n', cluster.Output(holder).Split('\n').Where(l => l.Contains("lease", StringComparison.OrdinalIgnoreCase))));
    }

    private static async Task<long> EpochAsync(ServerCluster cluster, string via) =>
        (await cluster.ClusterAsync(via)).GetProperty("leases").EnumerateArray()
            .Single(l => l.GetProperty("name").GetString() == "deadlines").GetProperty("epoch").GetInt64();

    private async Task<long> ScalarAsync(string sql)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
