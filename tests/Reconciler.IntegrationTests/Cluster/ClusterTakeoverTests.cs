using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using Reconciler.IntegrationTests.Webhooks;
using Xunit.Abstractions;

namespace Reconciler.IntegrationTests.Cluster;

/// <summary>
/// Three real servers on one database, signals spread over all of them: webhook subscriptions are spread across
/// the nodes; the node holding the deadline lease is killed (SIGKILL) five times, and each time another takes
/// over and the next deadline passes within 5 s of being due; in the end every deadline passed exactly once and
/// every matching feed item reached its webhook receiver at least once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterTakeoverTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Rounds = 5;
    private const int OperationsPerRound = 4;
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await postgres.CreateDatabaseAsync(nameof(ClusterTakeoverTests));

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Given_three_servers_when_the_deadline_holder_is_killed_five_times_then_deadlines_pass_once_within_5_s_and_webhooks_arrive()
    {
        await using var cluster = await ServerCluster.StartAsync(_db, "n1", "n2", "n3");
        var receivers = new List<WebhookReceiver>();
        for (var i = 0; i < 3; i++)
        {
            receivers.Add(await WebhookReceiver.StartAsync());
        }
        try
        {
            using var admin = cluster.Client("n1");
            (await admin.PutAsync("/v1/policies/order", ApiServer.Json(TestPolicies.Order(ledgerWithin: "PT1S", journeyWithin: "PT1H")))).EnsureSuccessStatusCode();
            var sourceKey = (await (await admin.PostAsJsonAsync("/v1/keys", new { role = "source", source = "payment-gateway" }))
                .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
            for (var i = 0; i < receivers.Count; i++)
            {
                var created = await admin.PostAsJsonAsync("/v1/subscriptions", new { name = $"hook-{i}", url = receivers[i].Url, types = new[] { "SignalReceived", "DeadlinePassed" } });
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }
            await AssertSubscriptionsSpreadAsync(cluster);

            var operations = new List<string>();
            var takeovers = new List<double>();
            var nextNode = 4;
            for (var round = 0; round < Rounds; round++)
            {
                var holder = await cluster.WaitForHolderAsync("deadlines", cluster.Nodes.Keys.First());
                var survivors = cluster.Nodes.Keys.Where(n => n != holder).ToList();
                // Deadlines armed through every node (the holder included), due a second from now; then the holder dies,
                // so they come due while nobody holds the lease.
                var ids = Enumerable.Range(0, OperationsPerRound).Select(i => $"takeover-{round}-{i}").ToList();
                for (var i = 0; i < ids.Count; i++)
                {
                    var via = cluster.Nodes.Keys.ElementAt(i % cluster.Nodes.Count);
                    using var source = cluster.Client(via, sourceKey);
                    var sent = await source.PostAsJsonAsync("/v1/signals", new { operationId = ids[i], operationType = "order", signalId = $"{ids[i]}-captured", facet = "payment", state = "captured" });
                    Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
                }
                var killedAt = DateTimeOffset.UtcNow;
                await cluster.KillAsync(holder);
                operations.AddRange(ids);

                using var reader = cluster.Client(survivors[0]);
                foreach (var id in ids)
                {
                    var events = await ApiCalls.EventuallyAsync(() => reader.GetFromJsonAsync<JsonElement>($"/v1/operations/{id}/events"),
                        e => e.EnumerateArray().Any(x => x.GetProperty("type").GetString() == "DeadlinePassed"), TimeSpan.FromSeconds(30));
                    var passed = events.EnumerateArray().Where(x => x.GetProperty("type").GetString() == "DeadlinePassed").ToList();
                    Assert.True(passed.Count == 1, $"round {round}, {id}: {passed.Count} DeadlinePassed after killing {holder}\n{cluster.Output(survivors[0])}");
                    var late = (passed[0].GetProperty("time").GetDateTimeOffset() - passed[0].GetProperty("data").GetProperty("due").GetDateTimeOffset()).TotalSeconds;
                    takeovers.Add(late);
                    Assert.True(late <= 5, $"round {round}, {id}: passed {late:0.00} s after due, once {holder} was killed");
                }
                var newHolder = await cluster.WaitForHolderAsync("deadlines", survivors[0], h => h != holder);
                var acquiredAt = (await cluster.ClusterAsync(survivors[0])).GetProperty("leases").EnumerateArray()
                    .Single(l => l.GetProperty("name").GetString() == "deadlines").GetProperty("acquiredAt").GetDateTimeOffset();
                output.WriteLine($"round {round}: killed {holder}; {newHolder} took over {(acquiredAt - killedAt).TotalSeconds:0.00} s later; "
                    + $"deadlines passed {string.Join(", ", takeovers.TakeLast(ids.Count).Select(t => $"{t:0.00}"))} s after due");
                await cluster.StartNodeAsync($"n{nextNode++}");
            }

            using var auditor = cluster.Client(cluster.Nodes.Keys.First());
            foreach (var id in operations)
            {
                var events = await auditor.GetFromJsonAsync<JsonElement>($"/v1/operations/{id}/events");
                Assert.Single(events.EnumerateArray(), e => e.GetProperty("type").GetString() == "DeadlinePassed");
            }
            var feedIds = await FeedEventIdsAsync(auditor);
            foreach (var receiver in receivers)
            {
                await receiver.WaitForAsync(r => feedIds.IsSubsetOf(r.Where(x => x.Succeeded).Select(x => x.WebhookId)), $"all {feedIds.Count} items", TimeSpan.FromSeconds(60));
            }
            takeovers.Sort();
            output.WriteLine($"deadline passed after due over {takeovers.Count} deadlines: median {takeovers[takeovers.Count / 2]:0.00} s, max {takeovers[^1]:0.00} s");
        }
        finally
        {
            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync();
            }
        }
    }

    /// <summary>Three subscriptions on three nodes: each node delivers one (a node over its share hands the extra ones on).</summary>
    private static async Task AssertSubscriptionsSpreadAsync(ServerCluster cluster)
    {
        var via = cluster.Nodes.Keys.First();
        var holders = await ApiCalls.EventuallyAsync(async () => (await cluster.ClusterAsync(via)).GetProperty("leases").EnumerateArray()
                .Where(l => l.GetProperty("name").GetString()!.StartsWith("webhook:", StringComparison.Ordinal) && l.GetProperty("status").GetString() == "held")
                .Select(l => l.GetProperty("holder").GetString()!).ToList(),
            h => h.Count == 3 && h.Distinct().Count() == 3, TimeSpan.FromSeconds(30));
        Assert.True(holders.Count == 3 && holders.Distinct().Count() == 3, $"webhook leases held by {string.Join(", ", holders)}\n{(await cluster.ClusterAsync(via)).GetRawText()}");
    }

    private static async Task<HashSet<string>> FeedEventIdsAsync(HttpClient auditor)
    {
        var ids = new HashSet<string>();
        for (var after = ""; ;)
        {
            var page = await auditor.GetFromJsonAsync<JsonElement>($"/v1/feed?types=SignalReceived,DeadlinePassed&limit=1000&after={after}");
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                ids.Add(item.GetProperty("eventId").GetString()!);
            }
            after = page.GetProperty("next").GetString()!;
            if (page.GetProperty("items").GetArrayLength() == 0)
            {
                return ids;
            }
        }
    }
}
