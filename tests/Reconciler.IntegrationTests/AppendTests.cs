using System.Collections.Concurrent;
using Reconciler.Store;

namespace Reconciler.IntegrationTests;

/// <summary>Store conformance: new stream, expected versions, concurrent appends, read order.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AppendTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private EventStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(AppendTests));
        _store = new EventStore(_db.DataSource);
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    internal static EventToAppend[] Events(int count, string type = "SignalReceived") =>
        Enumerable.Range(1, count).Select(i => new EventToAppend(type, $$"""{"n": {{i}}}""", """{"by": "test"}""")).ToArray();

    private static string NewStream() => $"op-{Guid.NewGuid():N}";

    [Fact]
    public async Task Given_no_stream_when_appending_then_versions_start_at_1_and_the_stream_is_created()
    {
        var stream = NewStream();

        var result = await _store.AppendAsync(stream, "order", ExpectedVersion.NoStream, Events(3));

        Assert.Equal(3, result.NextVersion);
        Assert.Equal(3, result.Positions.Count);
        Assert.True(result.Positions.SequenceEqual(result.Positions.Order()));
        var read = await _store.ReadStreamAsync(stream);
        Assert.Equal([1L, 2L, 3L], read.Select(e => e.Version));
        Assert.Equal(result.Positions, read.Select(e => e.Position));
        Assert.All(read, e => Assert.Equal("order", e.OperationType));
        Assert.Equal("""{"n": 2}""", read[1].Data);
        Assert.Equal("""{"by": "test"}""", read[1].Metadata);
        var info = await _store.GetStreamAsync(stream);
        Assert.Equal(3, info!.Version);
    }

    [Fact]
    public async Task Given_a_stream_at_2_when_appending_at_5_then_the_error_names_stream_expected_and_actual()
    {
        var stream = NewStream();
        await _store.AppendAsync(stream, "order", ExpectedVersion.NoStream, Events(2));

        var error = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => _store.AppendAsync(stream, "order", ExpectedVersion.Exactly(5), Events(1)));

        Assert.Equal(stream, error.StreamId);
        Assert.Equal(ExpectedVersion.Exactly(5), error.Expected);
        Assert.Equal(2, error.ActualVersion);
        Assert.Contains(stream, error.Message, StringComparison.Ordinal);
        Assert.Contains("expected 5", error.Message, StringComparison.Ordinal);
        Assert.Contains("actual 2", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await _store.ReadStreamAsync(stream)).Count);
    }

    [Fact]
    public async Task Given_no_stream_when_appending_with_no_stream_twice_then_the_second_fails()
    {
        var stream = NewStream();
        await _store.AppendAsync(stream, "order", ExpectedVersion.NoStream, Events(1));

        var error = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => _store.AppendAsync(stream, "order", ExpectedVersion.NoStream, Events(1)));

        Assert.Equal(1, error.ActualVersion);
        Assert.Contains("expected no stream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_missing_stream_when_appending_at_a_version_then_actual_is_no_stream()
    {
        var stream = NewStream();

        var error = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => _store.AppendAsync(stream, "order", ExpectedVersion.Exactly(1), Events(1)));

        Assert.Null(error.ActualVersion);
        Assert.Null(await _store.GetStreamAsync(stream));
    }

    [Fact]
    public async Task Given_any_when_appending_then_it_creates_or_extends_the_stream()
    {
        var stream = NewStream();

        var first = await _store.AppendAsync(stream, "order", ExpectedVersion.Any, Events(2));
        var second = await _store.AppendAsync(stream, "order", ExpectedVersion.Any, Events(1));
        var third = await _store.AppendAsync(stream, "order", ExpectedVersion.Exactly(3), Events(1));

        Assert.Equal((2L, 3L, 4L), (first.NextVersion, second.NextVersion, third.NextVersion));
        Assert.Equal([1L, 2L, 3L, 4L], (await _store.ReadStreamAsync(stream)).Select(e => e.Version));
    }

    [Fact]
    public async Task Given_several_streams_when_one_expected_version_fails_then_nothing_is_appended()
    {
        var (a, b) = (NewStream(), NewStream());
        await _store.AppendAsync(b, "order", ExpectedVersion.NoStream, Events(1));

        var error = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => _store.AppendAsync(
        [
            new StreamAppend(a, "order", ExpectedVersion.NoStream, Events(2)),
            new StreamAppend(b, "order", ExpectedVersion.Exactly(7), Events(2)),
        ]));

        Assert.Equal(b, error.StreamId);
        Assert.Empty(await _store.ReadStreamAsync(a));
        Assert.Null(await _store.GetStreamAsync(a));
        Assert.Single(await _store.ReadStreamAsync(b));
    }

    [Fact]
    public async Task Given_the_callers_transaction_when_it_rolls_back_then_nothing_is_kept_and_when_it_commits_everything_is()
    {
        var stream = NewStream();
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using (var rolledBack = await connection.BeginTransactionAsync())
        {
            Assert.Null(await _store.LockStreamAsync(connection, rolledBack, stream));
            var appended = await _store.AppendAsync(connection, rolledBack, stream, "order", ExpectedVersion.NoStream, Events(2));
            await _store.RecordReceiptsAsync(connection, rolledBack, [new SignalReceipt("psp", "s1", stream, appended.FirstPosition, "h")]);
            Assert.Equal(2, (await _store.ReadStreamAsync(connection, rolledBack, stream)).Count);
            await rolledBack.RollbackAsync();
        }
        Assert.Null(await _store.GetStreamAsync(stream));
        Assert.Null(await _store.FindReceiptAsync("psp", "s1"));

        await using (var committed = await connection.BeginTransactionAsync())
        {
            await _store.LockStreamAsync(connection, committed, stream);
            var appended = await _store.AppendAsync(connection, committed, stream, "order", ExpectedVersion.NoStream, Events(2));
            await _store.RecordReceiptsAsync(connection, committed, [new SignalReceipt("psp", "s1", stream, appended.FirstPosition, "h")]);
            await committed.CommitAsync();
        }
        Assert.Equal(2, (await _store.GetStreamAsync(stream))!.Version);
        Assert.NotNull(await _store.FindReceiptAsync("psp", "s1"));
    }

    [Fact]
    public async Task Given_8_writers_when_each_appends_500_times_to_one_stream_with_retries_then_versions_are_1_to_4000()
    {
        const int Writers = 8, Appends = 500;
        var stream = NewStream();
        var retries = 0;
        var positions = new ConcurrentBag<long>();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var known = 0L;
            for (var i = 0; i < Appends; i++)
            {
                var e = new EventToAppend("Appended", $$"""{"writer": {{w}}, "i": {{i}}}""");
                while (true)
                {
                    try
                    {
                        var result = await _store.AppendAsync(stream, "order", ExpectedVersion.Exactly(known), [e]);
                        positions.Add(result.FirstPosition);
                        known = result.NextVersion;
                        break;
                    }
                    catch (WrongExpectedVersionException x)
                    {
                        Interlocked.Increment(ref retries);
                        known = x.ActualVersion ?? 0;
                    }
                }
            }
        })));

        var events = await _store.ReadStreamAsync(stream);
        Assert.Equal(Enumerable.Range(1, Writers * Appends).Select(v => (long)v), events.Select(e => e.Version));
        Assert.Equal(Writers * Appends, events.Select(e => e.Data).Distinct().Count());
        Assert.Equal(positions.Order(), events.Select(e => e.Position).Order());
        Assert.Equal(Writers * Appends, (await _store.GetStreamAsync(stream))!.Version);
    }

    [Fact]
    public async Task Given_appends_in_sequence_when_reading_then_the_stream_and_the_feed_keep_their_order()
    {
        var (a, b) = (NewStream(), NewStream());
        var start = await _store.GetEndCursorAsync();
        var written = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            written.AddRange((await _store.AppendAsync(a, "order", ExpectedVersion.Any, Events(2))).Positions);
            written.AddRange((await _store.AppendAsync(b, "refund", ExpectedVersion.Any, Events(1))).Positions);
        }

        var page = await _store.ReadAllAsync(start, 100);

        Assert.Equal(written, page.Events.Select(e => e.Position));
        Assert.Equal(Enumerable.Range(1, 10).Select(v => (long)v), (await _store.ReadStreamAsync(a)).Select(e => e.Version));
        Assert.Equal([3L, 4L, 5L], (await _store.ReadStreamAsync(a, fromVersion: 3, toVersion: 5)).Select(e => e.Version));
        var all = await _store.ReadStreamAsync(b);
        var until = await _store.ReadStreamAsync(b, untilTime: all[2].RecordedAt);
        Assert.Equal([1L, 2L, 3L], until.Select(e => e.Version));
        Assert.Equal("refund", all[0].OperationType);
    }
}
