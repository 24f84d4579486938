using System.Collections.Concurrent;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.State;
using Reconciler.Store;
using Reconciler.Store.Writing;

namespace Reconciler.IntegrationTests.Store;

/// <summary>
/// Conformance of the one write path (<see cref="OperationWriter"/>), the store API the product calls: new
/// streams, receipts across and within units, atomicity, a stream moved by another writer, concurrent writers
/// of one stream, snapshots (and their absence), read order.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WritePathTests(PostgresFixture postgres) : IAsyncLifetime
{
    private WritePath _path = null!;

    public async Task InitializeAsync() => _path = await WritePath.CreateAsync(postgres, nameof(WritePathTests));

    public Task DisposeAsync() => _path.Database.DisposeAsync().AsTask();

    private static string NewOperation() => $"op-{Guid.NewGuid():N}";

    [Fact]
    public async Task Given_a_new_operation_when_written_then_versions_start_at_1_with_positions_receipts_snapshot_and_projection()
    {
        var op = NewOperation();

        var staged = await _path.SendAsync([WritePath.Signal(op, $"{op}-a", 1, 1), WritePath.Signal(op, $"{op}-b", 2, 2)]);

        var read = await _path.Store.ReadStreamAsync(op);
        Assert.Equal([1L, 2L], read.Select(e => e.Version));
        Assert.Equal([staged[0].PositionOf(0), staged[1].PositionOf(0)], read.Select(e => e.Position));
        Assert.All(read, e => Assert.Equal(("SignalReceived", WritePath.Type), (e.Type, e.OperationType)));
        Assert.Equal($"{op}-b", System.Text.Json.JsonDocument.Parse(read[1].Metadata!).RootElement.GetProperty("signalId").GetString());
        Assert.Equal(2, (await _path.Store.GetStreamAsync(op))!.Version);
        Assert.Equal(read[0].Position, await _path.ScalarAsync<long>("SELECT position FROM signal_receipts WHERE source = 'psp' AND signal_id = $1", $"{op}-a"));
        var state = await _path.Store.ReadStateAsync(op);
        Assert.Equal(2, state!.Version);
        Assert.Equal("s2", state.FacetOrEmpty("payment").State);
        Assert.Equal(WritePath.Type, await _path.ScalarAsync<string>("SELECT operation_type FROM operations WHERE operation_id = $1", op));
    }

    [Fact]
    public async Task Given_a_signal_written_earlier_or_earlier_in_the_same_unit_when_sent_again_then_its_receipt_makes_it_a_duplicate()
    {
        var op = NewOperation();
        await _path.SendAsync([WritePath.Signal(op, $"{op}-1")]);

        await _path.SendAsync([WritePath.Signal(op, $"{op}-1"), WritePath.Signal(op, $"{op}-2", 3), WritePath.Signal(op, $"{op}-2", 3)]);

        var types = (await _path.Store.ReadStreamAsync(op)).Select(e => e.Type).ToList();
        Assert.Equal(2, types.Count(t => t == "SignalDuplicated"));
        Assert.Equal(2, types.Count(t => t == "SignalReceived"));
        Assert.Equal(2L, await _path.ScalarAsync<long>("SELECT count(*) FROM signal_receipts WHERE operation_id = $1", op));
    }

    [Fact]
    public async Task Given_a_decision_that_throws_when_writing_then_nothing_of_the_unit_is_stored()
    {
        var (op, other) = (NewOperation(), NewOperation());
        await _path.SendAsync([WritePath.Signal(op, $"{op}-1")]);
        var before = await _path.ScalarAsync<long>("SELECT count(*) FROM events");

        await Assert.ThrowsAsync<InvalidOperationException>(() => _path.SendAsync(
            [WritePath.Signal(op, $"{op}-2", 1), WritePath.Signal(other, $"{other}-1")], _ => throw new InvalidOperationException("refused")));

        Assert.Equal(before, await _path.ScalarAsync<long>("SELECT count(*) FROM events"));
        Assert.Null(await _path.Store.GetStreamAsync(other));
        Assert.Equal(1, (await _path.Store.GetStreamAsync(op))!.Version);
        Assert.Equal(0L, await _path.ScalarAsync<long>("SELECT count(*) FROM signal_receipts WHERE signal_id IN ($1, $2)", $"{op}-2", $"{other}-1"));
    }

    [Fact]
    public async Task Given_a_stream_moved_by_another_writer_between_load_and_save_when_writing_then_the_unit_runs_again_on_the_new_head()
    {
        var (op, other) = (NewOperation(), NewOperation());
        await _path.SendAsync([WritePath.Signal(op, $"{op}-1")]);
        var runs = 0;

        await _path.SendAsync([WritePath.Signal(other, $"{other}-1"), WritePath.Signal(op, $"{op}-2", 1)], _ =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                // A writer that ignores the lock appends version 2 of op and commits.
                SendOutsideTheLock(op).GetAwaiter().GetResult();
            }
        });

        Assert.Equal(2, runs);
        var events = await _path.Store.ReadStreamAsync(op);
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Version));
        Assert.Single(await _path.Store.ReadStreamAsync(other));
        Assert.Equal(3, (await _path.Store.ReadStateAsync(op))!.Version);
    }

    [Fact]
    public async Task Given_a_stream_that_moves_under_every_run_when_writing_then_the_concurrency_error_names_the_expected_and_the_actual_version()
    {
        var op = NewOperation();
        await _path.SendAsync([WritePath.Signal(op, $"{op}-1")]);

        var unavailable = await Assert.ThrowsAsync<StoreUnavailableException>(() =>
            _path.SendAsync([WritePath.Signal(op, $"{op}-2", 1)], _ => SendOutsideTheLock(op).GetAwaiter().GetResult()));

        var wrong = Assert.IsType<WrongExpectedVersionException>(unavailable.InnerException);
        var head = (await _path.Store.GetStreamAsync(op))!.Version;
        Assert.Equal((op, ExpectedVersion.Exactly(head - 1), (long?)head), (wrong.StreamId, wrong.Expected, wrong.ActualVersion));
        Assert.Contains($"expected {head - 1}, actual {head}", wrong.Message, StringComparison.Ordinal);
    }

    /// <summary>Another unit of work on its own connection, started from inside a decision: it does not wait for our lock only because it takes none.</summary>
    private async Task SendOutsideTheLock(string op)
    {
        var head = await _path.Store.GetStreamAsync(op);
        var state = (await _path.Store.ReadStateAsync(op))!;
        var (events, after) = OperationDecider.Handle(state, WritePath.Policy,
            new ReceiveSignal(WritePath.Signal(op, $"{op}-rogue", 5), "psp", DateTimeOffset.UtcNow, 1, null));
        await using var connection = await _path.Database.DataSource.OpenConnectionAsync();
        await using var batch = new Npgsql.NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("INSERT INTO events (stream_id, version, type, data) VALUES ($1, $2, $3, $4::jsonb)")
                {
                    Parameters = { new() { Value = op }, new() { Value = head!.Version + 1 }, new() { Value = EventCodec.TypeName(events[0]) }, new() { Value = EventCodec.Serialize(events[0]) } },
                },
                new("UPDATE streams SET version = $2, snapshot = $3 WHERE stream_id = $1")
                {
                    Parameters = { new() { Value = op }, new() { Value = head.Version + 1 }, new() { Value = OperationSnapshot.Write(after) } },
                },
            },
        };
        await batch.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Given_8_writers_of_one_operation_when_each_writes_100_units_then_every_signal_is_stored_once_and_versions_have_no_gaps()
    {
        const int Writers = 8, Units = 100;
        var op = NewOperation();
        var positions = new ConcurrentBag<long>();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < Units; i++)
            {
                var staged = await _path.SendAsync([WritePath.Signal(op, $"{op}-{w}-{i}", (w + i) % 8, w * 1000 + i)]);
                positions.Add(staged[0].PositionOf(0));
            }
        })));

        // Besides its SignalReceived, a signal may open and absorb a stale or retry conflict: interleaved writers' sequences cross.
        var events = await _path.Store.ReadStreamAsync(op);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(v => (long)v), events.Select(e => e.Version));
        var received = events.Where(e => e.Type == "SignalReceived").ToList();
        Assert.Equal(Writers * Units, received.Count);
        Assert.Equal(positions.Order(), received.Select(e => e.Position).Order());
        Assert.Equal(events.Count, (await _path.Store.ReadStateAsync(op))!.Version);
    }

    [Fact]
    public async Task Given_a_stream_whose_snapshot_is_missing_or_of_another_format_when_written_or_read_then_its_events_are_folded()
    {
        var (missing, foreign) = (NewOperation(), NewOperation());
        await _path.SendAsync([WritePath.Signal(missing, $"{missing}-1", 1, 1), WritePath.Signal(foreign, $"{foreign}-1", 1, 1)]);
        await _path.ScalarAsync<int>("WITH u AS (UPDATE streams SET snapshot = NULL WHERE stream_id = $1 RETURNING 1) SELECT 1", missing);
        await _path.ScalarAsync<int>("WITH u AS (UPDATE streams SET snapshot = '\\x7f0102'::bytea WHERE stream_id = $1 RETURNING 1) SELECT 1", foreign);

        Assert.Equal("s1", (await _path.Store.ReadStateAsync(missing))!.FacetOrEmpty("payment").State);
        await _path.SendAsync([WritePath.Signal(missing, $"{missing}-2", 2, 2), WritePath.Signal(foreign, $"{foreign}-2", 2, 2), WritePath.Signal(foreign, $"{foreign}-1", 1, 1)]);

        foreach (var op in new[] { missing, foreign })
        {
            var folded = OperationDecider.Fold((await _path.Store.ReadStreamAsync(op)).Select(e => EventCodec.Deserialize(e.Type, e.Data)));
            var snapshot = await _path.ScalarAsync<byte[]>("SELECT snapshot FROM streams WHERE stream_id = $1", op);
            Assert.Equal(OperationSnapshot.Write(folded), snapshot);
        }
        Assert.Contains("SignalDuplicated", (await _path.Store.ReadStreamAsync(foreign)).TakeLast(3).Select(e => e.Type));
    }

    [Fact]
    public async Task Given_units_in_sequence_when_reading_then_the_stream_and_the_feed_keep_their_order()
    {
        var (a, b) = (NewOperation(), NewOperation());
        var start = await _path.Store.GetEndCursorAsync();
        var written = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var staged = await _path.SendAsync([WritePath.Signal(a, $"{a}-{i}", i % 8, i), WritePath.Signal(b, $"{b}-{i}", i % 8, i)]);
            written.AddRange(staged.Select(s => s.PositionOf(0)).Order());
        }

        var page = await _path.Store.ReadAllAsync(start, 100);

        Assert.Equal(written, page.Events.Select(e => e.Position));
        Assert.Equal(Enumerable.Range(1, 5).Select(v => (long)v), (await _path.Store.ReadStreamAsync(a)).Select(e => e.Version));
        Assert.Equal([3L, 4L], (await _path.Store.ReadStreamAsync(a, fromVersion: 3, toVersion: 4)).Select(e => e.Version));
    }

    [Fact]
    public async Task Given_a_unit_of_many_events_over_several_operations_when_written_then_positions_receipts_and_heads_agree()
    {
        var ops = Enumerable.Range(0, 3).Select(_ => NewOperation()).ToArray();
        var signals = Enumerable.Range(0, 120).Select(n => WritePath.Signal(ops[n % 3], $"{ops[n % 3]}-{n}", n % 8, n)).ToList();
        signals.Add(signals[5]);

        var staged = await _path.SendAsync(signals);

        foreach (var op in ops)
        {
            var events = await _path.Store.ReadStreamAsync(op);
            Assert.Equal(Enumerable.Range(1, events.Count).Select(v => (long)v), events.Select(e => e.Version));
            Assert.Equal(events.Select(e => e.Position).Order(), events.Select(e => e.Position));
            Assert.Equal(events.Count, (await _path.Store.ReadStateAsync(op))!.Version);
        }
        var all = (await Task.WhenAll(ops.Select(op => _path.Store.ReadStreamAsync(op)))).SelectMany(e => e).ToDictionary(e => e.Position);
        for (var n = 0; n < signals.Count; n++)
        {
            var own = all[staged[n].PositionOf(0)];
            Assert.Equal(signals[n].OperationId, own.StreamId);
            Assert.Equal(n == signals.Count - 1 ? "SignalDuplicated" : "SignalReceived", own.Type);
        }
        var receipt = await _path.ScalarAsync<long>("SELECT position FROM signal_receipts WHERE source = 'psp' AND signal_id = $1", signals[5].SignalId);
        Assert.Equal(staged[5].PositionOf(0), receipt);
    }

    [Fact]
    public async Task Given_a_checkpoint_when_saved_twice_then_the_last_cursor_is_loaded()
    {
        Assert.Null(await _path.Store.LoadCheckpointAsync("webhook:a"));

        await _path.Store.SaveCheckpointAsync("webhook:a", new FeedCursor(10, 5));
        await _path.Store.SaveCheckpointAsync("webhook:a", new FeedCursor(12, 3));

        Assert.Equal(new FeedCursor(12, 3), await _path.Store.LoadCheckpointAsync("webhook:a"));
    }
}
