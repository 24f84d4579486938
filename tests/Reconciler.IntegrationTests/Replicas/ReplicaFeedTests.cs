using Reconciler.IntegrationTests.Api;
using Reconciler.Store;
using Reconciler.Store.Replicas;

namespace Reconciler.IntegrationTests.Replicas;

/// <summary>
/// The feed on a hot standby: its snapshot (the transactions the WAL says are running) keeps the safe point gap-free, so
/// a reader walking the replica while writers commit on the primary misses and repeats nothing, in the primary's order;
/// a long poll held on the replica wakes when the primary commits (LISTEN is on the primary, the re-reads on the replica).
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class ReplicaFeedTests(ReplicaFixture replicas) : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private string _standby = null!;
    private ApiServer _server = null!;

    public async Task InitializeAsync()
    {
        (_database, _standby) = await replicas.CreateTestDatabaseAsync(nameof(ReplicaFeedTests));
        _server = await ApiServer.StartAsync(_database, runDeadlineWorker: false,
            replicas: new ReplicaOptions { Connections = [_standby], TokenWait = TimeSpan.FromSeconds(5) });
        await _server.PutPolicyAsync(TestPolicies.Order());
        await ReplicaReads.WaitUntilReplicaServesAsync(_server);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Given_writers_committing_on_the_primary_when_a_reader_walks_the_replica_then_it_reads_every_event_once_in_the_primary_order()
    {
        var gateway = await _server.ClientWithRoleAsync("source", "payment-gateway");
        var standby = new EventStore(StoreDataSource.Create(_standby));
        var primary = new EventStore(_database.DataSource);
        var walked = new List<RecordedEvent>();
        var cursor = FeedCursor.Start;
        // Four writers, whose group commits overlap: transactions take their ids in one order and commit in another.
        var writers = Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++)
            {
                await ApiCalls.SendAsync(gateway, ApiCalls.Batch([
                    ApiCalls.Signal($"walk-{w}-{i}", $"walk-{w}-{i}-a", "payment", "authorized"),
                    ApiCalls.Signal($"walk-{w}-{i % 3}", $"walk-{w}-{i}-b", "payment", i % 2 == 0 ? "captured" : "refunded")]));
            }
        })));

        while (!writers.IsCompleted)
        {
            (cursor, walked) = await StepAsync(standby, cursor, walked);
        }
        await writers;
        await ReplicaFixture.WaitForReplayAsync(_database.ConnectionString, _standby, TimeSpan.FromSeconds(30));
        var everything = await WalkAsync(primary);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (walked.Count < everything.Count && DateTime.UtcNow < until)
        {
            (cursor, walked) = await StepAsync(standby, cursor, walked);
        }

        Assert.True(everything.Count >= 240, $"only {everything.Count} events were written");
        var differs = Enumerable.Range(0, Math.Min(everything.Count, walked.Count)).FirstOrDefault(i => everything[i].Position != walked[i].Position, -1);
        Assert.True(differs < 0 && walked.Count == everything.Count,
            $"walked {walked.Count} of {everything.Count}; first difference at {differs}: primary {Around(everything, differs)}, replica {Around(walked, differs)}");
    }

    [Fact]
    public async Task Given_a_transaction_open_on_the_primary_when_a_later_one_commits_events_then_the_replica_feed_holds_them_back_until_it_ends()
    {
        var gateway = await _server.ClientWithRoleAsync("source", "payment-gateway");
        var standby = new EventStore(StoreDataSource.Create(_standby));
        await using var open = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await open.BeginTransactionAsync();
        await using (var hold = new Npgsql.NpgsqlCommand(
            "INSERT INTO checkpoints (name, transaction_id, position) VALUES ('held-open', pg_current_xact_id(), 0)", open, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        await ApiCalls.SendOneAsync(gateway, "held-1", "held-1-a", "payment", "authorized");
        await ReplicaFixture.WaitForReplayAsync(_database.ConnectionString, _standby, TimeSpan.FromSeconds(30));
        var whileOpen = await AllAsync(standby);
        await transaction.CommitAsync();
        await ReplicaFixture.WaitForReplayAsync(_database.ConnectionString, _standby, TimeSpan.FromSeconds(30));
        var afterwards = await AllAsync(standby);

        Assert.DoesNotContain(whileOpen, e => e.StreamId == "held-1");
        Assert.Contains(afterwards, e => e.StreamId == "held-1");
    }

    [Fact]
    public async Task Given_a_long_poll_held_on_the_replica_when_a_signal_is_committed_on_the_primary_then_it_wakes_with_the_event()
    {
        var gateway = await _server.ClientWithRoleAsync("source", "payment-gateway");
        var end = (await ReplicaReads.GetAsync(_server.Admin, "/v1/feed?after=end")).Body.GetProperty("next").GetString();

        // Whether the poll is already waiting or not when the signal commits, the event lies after the cursor it holds.
        var poll = ReplicaReads.GetAsync(_server.Admin, $"/v1/feed?after={end}&waitSeconds=30");
        await ApiCalls.SendOneAsync(gateway, "poll-1", "poll-1-a", "payment", "authorized");
        var answer = await poll;

        Assert.Equal("replica-1", answer.From);
        Assert.Contains(answer.Body.GetProperty("items").EnumerateArray(), i => i.GetProperty("operationId").GetString() == "poll-1");
    }

    private static async Task<(FeedCursor, List<RecordedEvent>)> StepAsync(EventStore store, FeedCursor cursor, List<RecordedEvent> walked)
    {
        var page = await store.ReadAllAsync(cursor, 50);
        walked.AddRange(page.Events);
        if (page.Events.Count == 0)
        {
            await Task.Delay(10);
        }
        return (page.Next, walked);
    }

    private static string Around(List<RecordedEvent> events, int index) =>
        string.Join(" ", events.Skip(Math.Max(0, index - 3)).Take(7).Select(e => $"{e.Position}@{e.Cursor.TransactionId}"));

    private static Task<List<RecordedEvent>> AllAsync(EventStore store) => WalkAsync(store);

    private static async Task<List<RecordedEvent>> WalkAsync(EventStore store)
    {
        var all = new List<RecordedEvent>();
        var cursor = FeedCursor.Start;
        while (true)
        {
            var page = await store.ReadAllAsync(cursor, 500);
            if (page.Events.Count == 0)
            {
                return all;
            }
            all.AddRange(page.Events);
            cursor = page.Next;
        }
    }
}
