using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using Xunit.Abstractions;

namespace Reconciler.IntegrationTests.Cluster;

/// <summary>
/// Two real servers on one database: each names itself and its leases; the cluster view lists both; a signal
/// posted to one wakes the other's SSE stream (the database's notifications, not the readers' safety-net
/// re-read); a key revoked on one is refused by the other within 2 s; a second live server under the same
/// name is refused; a server that stops cleanly leaves, handing its leases on at once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterNodesTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ServerCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(ClusterNodesTests));
        _cluster = await ServerCluster.StartAsync(_db, "alpha", "beta");
        using var admin = _cluster.Client("alpha");
        (await admin.PutAsync("/v1/policies/order", ApiServer.Json(TestPolicies.Order()))).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Given_two_servers_when_asked_then_healthz_names_each_node_and_its_leases_and_the_cluster_view_lists_both()
    {
        var holder = await _cluster.WaitForHolderAsync("deadlines", "alpha");

        var cluster = await _cluster.ClusterAsync("beta");

        Assert.Equal("beta", cluster.GetProperty("node").GetString());
        var nodes = cluster.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("name").GetString()!);
        Assert.Equal(["alpha", "beta"], nodes.Keys.Order());
        Assert.All(nodes.Values, n => Assert.Equal("live", n.GetProperty("status").GetString()));
        Assert.True(nodes["beta"].GetProperty("self").GetBoolean());
        Assert.False(nodes["alpha"].GetProperty("self").GetBoolean());
        Assert.Contains("deadlines", nodes[holder].GetProperty("leases").EnumerateArray().Select(l => l.GetString()));
        foreach (var name in new[] { "alpha", "beta" })
        {
            // Each node counts live nodes at its heartbeat, so the node started first sees its peer within one renewal.
            var health = await ApiCalls.EventuallyAsync(() => _cluster.HealthAsync(name),
                h => h.GetProperty("node").GetProperty("liveNodes").GetInt32() == 2, TimeSpan.FromSeconds(3));
            Assert.Equal(name, health.GetProperty("node").GetProperty("name").GetString());
            Assert.Equal(name == holder, health.GetProperty("node").GetProperty("leases").EnumerateArray().Any(l => l.GetProperty("name").GetString() == "deadlines"));
            Assert.Equal(2, health.GetProperty("node").GetProperty("liveNodes").GetInt32());
        }
        using var auditor = await KeyClientAsync("alpha", new { role = "auditor", name = "ann" });
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.GetAsync("/v1/cluster")).StatusCode);
    }

    [Fact]
    public async Task Given_a_stream_open_on_one_server_when_signals_are_posted_to_the_other_then_each_arrives_at_once()
    {
        using var source = await KeyClientAsync("alpha", new { role = "source", source = "payment-gateway" });
        using var reader = _cluster.Client("beta");
        var end = (await reader.GetFromJsonAsync<JsonElement>("/v1/feed?after=end")).GetProperty("next").GetString();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/v1/feed/stream?after={end}&types=SignalReceived"),
            HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        var latencies = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var signalId = $"xnode-{i}";
            var sent = Stopwatch.StartNew();
            (await source.PostAsJsonAsync("/v1/signals", new { operationId = $"xnode-op-{i}", operationType = "order", signalId, facet = "payment", state = "authorized" })).EnsureSuccessStatusCode();
            while (true)
            {
                var line = await stream.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the stream ended");
                if (line.StartsWith("data:", StringComparison.Ordinal) && line.Contains($"\"{signalId}\"", StringComparison.Ordinal))
                {
                    break;
                }
            }
            latencies.Add(sent.Elapsed.TotalMilliseconds);
            await Task.Delay(Random.Shared.Next(100, 400)); // apart from each other, at no fixed phase of any re-read
        }

        latencies.Sort();
        output.WriteLine($"post to alpha -> on beta's stream, ms: {string.Join(", ", latencies.Select(l => l.ToString("0")))}");
        // The readers' safety net re-reads every 3 s: without notifications across servers the median would be ~1.5 s.
        Assert.True(latencies[latencies.Count / 2] < 1000, $"median {latencies[latencies.Count / 2]:0} ms");
    }

    [Fact]
    public async Task Given_a_key_used_on_both_servers_when_it_is_revoked_on_one_then_the_other_refuses_it_within_2_s()
    {
        using var admin = _cluster.Client("alpha");
        var created = await (await admin.PostAsJsonAsync("/v1/keys", new { role = "auditor", name = "temp" })).Content.ReadFromJsonAsync<JsonElement>();
        using var onBeta = _cluster.Client("beta", created.GetProperty("key").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await onBeta.GetAsync("/v1/operations")).StatusCode); // cached on beta now

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/keys/{created.GetProperty("id").GetString()}")).StatusCode);
        var revoked = Stopwatch.StartNew();
        var status = await ApiCalls.EventuallyAsync(async () => (await onBeta.GetAsync("/v1/operations")).StatusCode,
            s => s == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(revoked.Elapsed < TimeSpan.FromSeconds(2), $"refused on beta {revoked.Elapsed.TotalSeconds:0.00} s after the revocation");
    }

    [Fact]
    public async Task Given_a_live_server_named_alpha_when_another_starts_as_alpha_then_it_is_refused_and_says_why()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => _cluster.StartNodeAsync("alpha"));

        Assert.Contains("Node name 'alpha' is in use by a live server", refused.Message, StringComparison.Ordinal);
        Assert.Equal("live", (await _cluster.ClusterAsync("beta")).GetProperty("nodes").EnumerateArray()
            .Single(n => n.GetProperty("name").GetString() == "alpha").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Given_the_deadline_holder_when_it_stops_cleanly_then_it_leaves_and_the_other_takes_its_lease_before_it_would_have_expired()
    {
        var holder = await _cluster.WaitForHolderAsync("deadlines", "alpha");
        var other = holder == "alpha" ? "beta" : "alpha";
        var expiry = (await _cluster.ClusterAsync(other)).GetProperty("leases").EnumerateArray()
            .Single(l => l.GetProperty("name").GetString() == "deadlines").GetProperty("expiresAt").GetDateTimeOffset();

        Assert.Equal(0, await _cluster.TerminateAsync(holder));
        await _cluster.WaitForHolderAsync("deadlines", other, h => h == other);

        var view = await _cluster.ClusterAsync(other);
        Assert.Equal("left", view.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == holder).GetProperty("status").GetString());
        var acquiredAt = view.GetProperty("leases").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "deadlines").GetProperty("acquiredAt").GetDateTimeOffset();
        output.WriteLine($"{holder} stopped cleanly; {other} took the deadlines {(expiry - acquiredAt).TotalSeconds:0.00} s before {holder}'s lease would have expired");
        Assert.True(acquiredAt < expiry, $"taken at {acquiredAt:O}, the stopped node's lease ran to {expiry:O}");

        await _cluster.StartNodeAsync(holder); // a name that left may be used again at once
    }

    private async Task<HttpClient> KeyClientAsync(string node, object key)
    {
        using var admin = _cluster.Client(node);
        var created = await (await admin.PostAsJsonAsync("/v1/keys", key)).Content.ReadFromJsonAsync<JsonElement>();
        return _cluster.Client(node, created.GetProperty("key").GetString()!);
    }
}
