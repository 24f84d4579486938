using Reconciler.Core.Judging;
using Reconciler.Store.Writing;

namespace Reconciler.IntegrationTests.Store;

/// <summary>
/// The commit pipeline over a real database: waiting writes share one commit, each gets its own answer, one
/// write's failure is its own, the queue refuses at once when full. To make writes wait, the single committer is
/// held inside a first unit (its decision blocks) while the others queue.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class GroupCommitTests(PostgresFixture postgres) : IAsyncLifetime
{
    private WritePath _path = null!;

    public async Task InitializeAsync() => _path = await WritePath.CreateAsync(postgres, nameof(GroupCommitTests));

    public Task DisposeAsync() => _path.Database.DisposeAsync().AsTask();

    [Fact]
    public async Task Given_writes_queued_behind_a_unit_when_it_commits_then_they_share_the_next_commit_and_each_gets_its_own_result()
    {
        await using var commits = Pipeline();
        var units = new List<int>();
        commits.UnitCommitted += (writes, _) => { lock (units) { units.Add(writes); } };
        var (held, release) = await HoldCommitterAsync(commits, "gc-hold");

        var writes = Enumerable.Range(0, 20).Select(i => SendAsync(commits, WritePath.Signal($"gc-{i % 5}", $"gc-sig-{i}", state: i / 5))).ToList();
        release();
        await held;
        var results = await Task.WhenAll(writes);

        Assert.Equal([1, 20], units);
        Assert.Equal(20, results.Select(r => (r.OperationId, r.FirstVersion)).Distinct().Count());
        Assert.Equal(21L, await _path.ScalarAsync<long>("SELECT count(*) FROM events WHERE stream_id LIKE 'gc-%'"));
    }

    [Fact]
    public async Task Given_two_queued_writes_of_one_operation_when_merged_then_they_are_decided_in_arrival_order()
    {
        await using var commits = Pipeline();
        var (held, release) = await HoldCommitterAsync(commits, "order-hold");

        var first = SendAsync(commits, WritePath.Signal("order-1", "order-a", state: 1));
        var second = SendAsync(commits, WritePath.Signal("order-1", "order-b", state: 2));
        release();
        await held;

        Assert.Equal(1L, (await first).FirstVersion);
        Assert.Equal(2L, (await second).FirstVersion);
    }

    [Fact]
    public async Task Given_a_write_whose_decision_throws_in_a_merged_unit_when_committed_then_only_it_fails_and_nothing_of_it_is_stored()
    {
        await using var commits = Pipeline();
        var (held, release) = await HoldCommitterAsync(commits, "fail-hold");

        var before = SendAsync(commits, WritePath.Signal("fail-1", "fail-a"));
        var failing = commits.WriteAsync<StagedEvents>(new WriteScope(["fail-2"], [WritePath.Type]), 1, batch =>
        {
            Stage(batch, WritePath.Signal("fail-2", "fail-b"));
            Stage(batch, WritePath.Signal("fail-1", "fail-c", state: 3));
            throw new CommandRejectedException("test-refusal", "refused after staging two signals");
        }, CancellationToken.None);
        var after = SendAsync(commits, WritePath.Signal("fail-1", "fail-d", state: 1));
        release();
        await held;

        var refusal = await Assert.ThrowsAsync<CommandRejectedException>(() => failing);
        Assert.Equal("test-refusal", refusal.Code);
        Assert.Equal(1L, (await before).FirstVersion);
        Assert.Equal(2L, (await after).FirstVersion);
        Assert.Equal(0L, await _path.ScalarAsync<long>("SELECT count(*) FROM events WHERE stream_id = 'fail-2'"));
        Assert.Equal(0L, await _path.ScalarAsync<long>("SELECT count(*) FROM signal_receipts WHERE signal_id IN ('fail-b', 'fail-c')"));
        Assert.Equal(2L, await _path.ScalarAsync<long>("SELECT count(*) FROM events WHERE stream_id = 'fail-1'"));
    }

    [Fact]
    public async Task Given_a_merged_unit_the_database_refuses_when_committed_then_each_write_is_stored_alone_and_only_the_bad_one_fails()
    {
        await using var commits = Pipeline();
        var (held, release) = await HoldCommitterAsync(commits, "db-hold");

        var good = SendAsync(commits, WritePath.Signal("db-good", "db-a"));
        // PostgreSQL refuses a NUL character in text: the whole merged unit fails at the save.
        var bad = SendAsync(commits, WritePath.Signal("db-bad\0", "db-b"));
        var alsoGood = SendAsync(commits, WritePath.Signal("db-good-2", "db-c"));
        release();
        await held;

        await Assert.ThrowsAnyAsync<Exception>(() => bad);
        Assert.Equal(1L, (await good).FirstVersion);
        Assert.Equal(1L, (await alsoGood).FirstVersion);
        Assert.Equal(2L, await _path.ScalarAsync<long>("SELECT count(*) FROM events WHERE stream_id LIKE 'db-good%'"));
    }

    [Fact]
    public async Task Given_a_full_queue_when_another_write_arrives_then_it_is_refused_at_once_and_the_queued_ones_commit()
    {
        await using var commits = Pipeline(maxQueued: 3);
        var shed = 0;
        commits.Shed += () => Interlocked.Increment(ref shed);
        var (held, release) = await HoldCommitterAsync(commits, "full-hold");

        var queued = Enumerable.Range(0, 3).Select(i => SendAsync(commits, WritePath.Signal("full-1", $"full-{i}", state: i))).ToList();
        Assert.Throws<OverloadedException>(() => { _ = SendAsync(commits, WritePath.Signal("full-1", "full-x", state: 4)); });
        release();
        await held;

        Assert.Equal(3, (await Task.WhenAll(queued)).Length);
        Assert.Equal(1, shed);
        Assert.Equal(0, commits.QueuedWeight);
    }

    private GroupCommit Pipeline(int maxQueued = 1_000) =>
        new(_path.Writer, new GroupCommitOptions { Committers = 1, MaxWeightPerUnit = Math.Min(500, maxQueued), MaxQueuedWeight = maxQueued });

    /// <summary>A write whose decision waits until released, holding the one committer inside its unit.</summary>
    private static async Task<(Task Held, Action Release)> HoldCommitterAsync(GroupCommit commits, string operationId)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new ManualResetEventSlim();
        var held = commits.WriteAsync(new WriteScope([operationId], [WritePath.Type]), 1, batch =>
        {
            entered.TrySetResult();
            gate.Wait(TimeSpan.FromSeconds(30));
            return Stage(batch, WritePath.Signal(operationId, operationId + "-sig"));
        }, CancellationToken.None);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return (held, gate.Set);
    }

    private static Task<StagedEvents> SendAsync(GroupCommit commits, Signal signal) =>
        commits.WriteAsync(WriteScope.ForSignals("psp", [(signal.OperationId, WritePath.Type, signal.SignalId)]), 1, batch => Stage(batch, signal), CancellationToken.None);

    private static StagedEvents Stage(WriteBatch batch, Signal signal)
    {
        var (events, after) = OperationDecider.Handle(batch.StateOf(signal.OperationId), WritePath.Policy,
            new ReceiveSignal(signal, "psp", batch.Now, 1, batch.ReceiptOf("psp", signal.SignalId)?.ContentHash));
        return batch.Append(signal.OperationId, WritePath.Type, events, after, new EventMetadata("psp", signal.SignalId, null, null, null));
    }
}
