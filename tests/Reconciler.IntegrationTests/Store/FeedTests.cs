using System.Collections.Concurrent;
using Npgsql;
using Reconciler.Store;

namespace Reconciler.IntegrationTests.Store;

/// <summary>
/// ReadAllAsync: every committed event exactly once, in commit-safe order, even when commits come out of
/// position order. Events are written by plain SQL here, so that a test can hold a transaction open between
/// taking positions and committing (the write path commits at once).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FeedTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private EventStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(FeedTests));
        _store = new EventStore(_db.DataSource);
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Given_an_early_position_committed_late_when_reading_then_the_feed_waits_for_it_and_skips_nothing()
    {
        var start = await _store.GetEndCursorAsync();
        await using var slow = await _db.DataSource.OpenConnectionAsync();
        await using var slowTx = await slow.BeginTransactionAsync();
        var early = (await RawEvents.InsertAsync(slow, slowTx, "op-slow", 1))[0];
        var late = (await RawEvents.InsertAsync(_db.DataSource, "op-fast", 1))[0];
        Assert.True(early < late);

        var whileOpen = await _store.ReadAllAsync(start, 100);
        var health = await _store.GetFeedHealthAsync();
        await slowTx.CommitAsync();
        var afterCommit = await _store.ReadAllAsync(whileOpen.Next, 100);

        Assert.Empty(whileOpen.Events);
        Assert.NotNull(health.OldestTransactionAge);
        Assert.Equal([early, late], afterCommit.Events.Select(e => e.Position));
        Assert.Empty((await _store.ReadAllAsync(afterCommit.Next, 100)).Events);
    }

    [Fact]
    public async Task Given_the_end_cursor_when_reading_then_only_newer_events_come_and_types_filter()
    {
        await RawEvents.InsertAsync(_db.DataSource, "op-old", 3);
        var end = await _store.GetEndCursorAsync();
        await RawEvents.InsertAsync(_db.DataSource, "op-new", 2, "OutcomeDeclared");
        await RawEvents.InsertAsync(_db.DataSource, "op-new", 2, "SignalReceived");

        var all = await _store.ReadAllAsync(end, 100);
        var outcomes = await _store.ReadAllAsync(end, 100, ["OutcomeDeclared", "ConflictOpened"]);
        var paged = await _store.ReadAllAsync(end, 3);

        Assert.Equal(4, all.Events.Count);
        Assert.All(all.Events, e => Assert.Equal("op-new", e.StreamId));
        Assert.Equal(2, outcomes.Events.Count);
        Assert.All(outcomes.Events, e => Assert.Equal("OutcomeDeclared", e.Type));
        Assert.True(outcomes.Next >= all.Events[^1].Cursor, "a page that is not full moves the cursor to the safe point");
        Assert.Equal(3, paged.Events.Count);
        Assert.Equal(paged.Events[^1].Cursor, paged.Next);
    }

    [Fact]
    public async Task Given_a_writing_transaction_open_in_the_database_when_asking_for_the_end_then_it_waits_and_older_events_stay_behind()
    {
        await using var writer = await _db.DataSource.OpenConnectionAsync();
        await using var open = await writer.BeginTransactionAsync();
        await TakeTransactionIdAsync(writer, open);
        await RawEvents.InsertAsync(_db.DataSource, "op-before", 2);

        var asking = _store.GetEndCursorAsync();
        await Task.Delay(200);
        Assert.False(asking.IsCompleted, "the end waits for the transaction that was running when it was asked for");
        await open.CommitAsync();
        var end = await asking;
        await RawEvents.InsertAsync(_db.DataSource, "op-after", 1);

        var page = await _store.ReadAllAsync(end, 100);
        Assert.Equal(["op-after"], page.Events.Select(e => e.StreamId));
    }

    [Fact]
    public async Task Given_a_writing_transaction_open_in_another_database_when_reading_then_it_holds_back_neither_the_end_nor_the_safe_point()
    {
        await using var elsewhere = new NpgsqlConnection(postgres.AdminConnectionString);
        await elsewhere.OpenAsync();
        await using var open = await elsewhere.BeginTransactionAsync();
        var neighbour = await TakeTransactionIdAsync(elsewhere, open);
        await RawEvents.InsertAsync(_db.DataSource, "op-before", 2);

        var asking = _store.GetEndCursorAsync();
        var first = await Task.WhenAny(asking, Task.Delay(TimeSpan.FromSeconds(1.5)));
        Assert.Same(asking, first); // it would wait 2 s for a transaction of this database
        var everything = await _store.ReadAllAsync(FeedCursor.Start, 100);
        Assert.Equal(["op-before", "op-before"], everything.Events.Select(e => e.StreamId));
        Assert.True((await asking).TransactionId > neighbour, "the end lies past the neighbour's transaction");
        Assert.True((await _store.GetFeedHealthAsync()).SafeTransactionId > neighbour, "so does the safe point");
        await open.RollbackAsync();
    }

    private static async Task<ulong> TakeTransactionIdAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        await using var take = new NpgsqlCommand("SELECT pg_current_xact_id()::text::bigint", connection, transaction);
        return (ulong)(long)(await take.ExecuteScalarAsync())!;
    }

    [Fact]
    public void Given_a_cursor_when_encoded_then_it_decodes_to_itself_and_garbage_is_refused()
    {
        var cursor = new FeedCursor(123_456_789_012UL, 987_654_321L);

        Assert.True(FeedCursor.TryDecode(cursor.Encode(), out var decoded));
        Assert.Equal(cursor, decoded);
        Assert.Equal(22, cursor.Encode().Length);
        Assert.True(FeedCursor.TryDecode(FeedCursor.Start.Encode(), out var start) && start == FeedCursor.Start);
        Assert.False(FeedCursor.TryDecode("end", out _));
        Assert.False(FeedCursor.TryDecode("", out _));
        Assert.False(FeedCursor.TryDecode("!!!!!!!!!!!!!!!!!!!!!!", out _));
        Assert.False(FeedCursor.TryDecode(null, out _));
    }

    [Fact]
    public async Task Given_8_writers_some_committing_late_when_a_reader_walks_the_feed_then_it_sees_every_committed_event_once_in_order()
    {
        const int Writers = 8, TransactionsPerWriter = 40;
        var start = await _store.GetEndCursorAsync();
        var committed = new ConcurrentBag<long>();
        var rolledBack = new ConcurrentBag<long>();
        using var writersDone = new CancellationTokenSource();

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var stream = $"op-feed-{w}";
            for (var t = 0; t < TransactionsPerWriter; t++)
            {
                await using var connection = await _db.DataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                var positions = await RawEvents.InsertAsync(connection, transaction, stream, random.Next(1, 4));
                // Half the writers hold their positions open for a while before committing.
                if (w % 2 == 0)
                {
                    await Task.Delay(random.Next(0, 25));
                }
                if (t % 10 == 9)
                {
                    await transaction.RollbackAsync();
                    foreach (var p in positions)
                    {
                        rolledBack.Add(p);
                    }
                    continue;
                }
                await transaction.CommitAsync();
                foreach (var p in positions)
                {
                    committed.Add(p);
                }
            }
        })).ToArray();
        var allWritten = Task.WhenAll(writers).ContinueWith(_ => writersDone.Cancel(), TaskScheduler.Default);

        var seen = new List<RecordedEvent>();
        var cursor = start;
        var outOfPositionOrder = 0;
        while (true)
        {
            var finished = writersDone.IsCancellationRequested;
            var page = await _store.ReadAllAsync(cursor, 7);
            foreach (var e in page.Events)
            {
                Assert.True(e.Cursor > cursor, $"event {e.Position} at {e.Cursor} appeared behind the cursor {cursor}");
                if (seen.Count > 0 && e.Position < seen[^1].Position)
                {
                    outOfPositionOrder++;
                }
                seen.Add(e);
                cursor = e.Cursor;
            }
            Assert.True(page.Next >= cursor);
            cursor = page.Next;
            if (finished && page.Events.Count == 0)
            {
                break;
            }
            if (page.Events.Count == 0)
            {
                await Task.Delay(2);
            }
        }
        await allWritten;

        var positions = seen.Select(e => e.Position).ToList();
        Assert.Equal(positions.Count, positions.Distinct().Count());
        Assert.Equal(committed.Order(), positions.Order());
        Assert.Empty(positions.Intersect(rolledBack));
        Assert.True(outOfPositionOrder > 0, "the test should exercise commits out of position order");
    }
}

/// <summary>Events written by plain SQL (type and a small body), next versions of a stream, in the caller's transaction when given.</summary>
public static class RawEvents
{
    public static async Task<IReadOnlyList<long>> InsertAsync(NpgsqlDataSource dataSource, string stream, int count, string type = "SignalReceived")
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await InsertAsync(connection, null, stream, count, type);
    }

    public static async Task<IReadOnlyList<long>> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string stream, int count, string type = "SignalReceived", string? data = null)
    {
        const string Sql = """
            WITH head AS (
                INSERT INTO streams (stream_id, operation_type, version) VALUES ($1, 'order', $2)
                ON CONFLICT (stream_id) DO UPDATE SET version = streams.version + $2
                RETURNING version - $2 AS base)
            INSERT INTO events (stream_id, version, type, data)
            SELECT $1, head.base + n, $3, coalesce($4::jsonb, jsonb_build_object('n', n)) FROM head, generate_series(1, $2) AS n
            RETURNING position
            """;
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = type });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)data ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var positions = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            positions.Add(reader.GetInt64(0));
        }
        positions.Sort();
        return positions;
    }
}
