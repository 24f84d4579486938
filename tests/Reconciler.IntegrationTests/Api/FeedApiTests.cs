using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Reconciler.Store;

namespace Reconciler.IntegrationTests.Api;

/// <summary>GET /v1/feed and /v1/feed/stream: commit order, no gaps or repeats, long-poll wake-ups, SSE resume.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FeedApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _gateway = null!;
    private HttpClient _auditor = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(FeedApiTests));
        _server = await ApiServer.StartAsync(_db);
        await _server.PutPolicyAsync(TestPolicies.Order());
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<JsonElement> FeedAsync(string query) => await ApiCalls.GetJsonAsync(_auditor, "/v1/feed" + query);

    private async Task<string> EndCursorAsync() => (await FeedAsync("?after=end")).GetProperty("next").GetString()!;

    [Fact]
    public async Task Given_eight_concurrent_writers_when_a_reader_walks_after_then_it_sees_every_committed_event_once_in_commit_order()
    {
        var start = await EndCursorAsync();
        using var writersDone = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                var signals = Enumerable.Range(0, 1 + i % 3).Select(k => ApiCalls.Signal($"feed-w{w}-{i % 5}", $"w{w}-{i}-{k}", "payment", k % 2 == 0 ? "authorized" : "captured"));
                await ApiCalls.SendAsync(_gateway, ApiCalls.Batch(signals));
            }
        })).ToList();
        var seen = new List<JsonElement>();
        var cursor = start;
        var all = Task.WhenAll(writers);
        while (true)
        {
            var finished = all.IsCompleted;
            var page = await FeedAsync($"?after={cursor}&limit=37&waitSeconds=1");
            seen.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("next").GetString()!;
            if (finished && page.GetProperty("items").GetArrayLength() == 0)
            {
                break;
            }
        }
        await all;

        var positions = seen.Select(i => i.GetProperty("position").GetInt64()).ToList();
        Assert.Equal(positions.Count, positions.Distinct().Count());
        Assert.Equal(positions.Count, seen.Select(i => i.GetProperty("eventId").GetString()).Distinct().Count());
        await using var command = _db.DataSource.CreateCommand("SELECT position FROM events WHERE stream_id LIKE 'feed-w%' ORDER BY position");
        var stored = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add(reader.GetInt64(0));
            }
        }
        Assert.Equal(stored, positions.Order().ToList());
        var cursors = seen.Select(i => Decode(i.GetProperty("cursor").GetString()!)).ToList();
        Assert.True(cursors.Zip(cursors.Skip(1)).All(p => p.First < p.Second), "items come in strictly increasing commit order");
    }

    [Fact]
    public async Task Given_no_new_events_when_a_long_poll_waits_then_a_new_signal_answers_it_promptly()
    {
        var end = await EndCursorAsync();
        var clock = Stopwatch.StartNew();
        var poll = _auditor.GetAsync($"/v1/feed?after={end}&waitSeconds=20");
        await Task.Delay(500);
        Assert.False(poll.IsCompleted, "the poll waits while there is nothing new");
        var sentAt = clock.Elapsed;
        await ApiCalls.SendOneAsync(_gateway, "feed-poll-1", "pgw-poll-1", "payment", "authorized");

        var response = await poll;
        var answeredAfter = clock.Elapsed - sentAt;
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(body.GetProperty("items").EnumerateArray(), i => i.GetProperty("operationId").GetString() == "feed-poll-1");
        Assert.True(answeredAfter < TimeSpan.FromSeconds(2), $"answered {answeredAfter.TotalMilliseconds} ms after the signal");
    }

    [Fact]
    public async Task Given_a_position_taken_early_when_it_commits_late_then_the_reader_gets_it_first_and_misses_nothing()
    {
        var end = await EndCursorAsync();
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var early = (await Store.RawEvents.InsertAsync(connection, transaction, "feed-late-early", 1, "OutcomeDeclared",
            """{ "at": "2026-11-21T10:00:00Z", "policyVersion": 1 }"""))[0];
        var late = (await ApiCalls.SendAsync(_gateway, ApiCalls.Signal("feed-late-later", "pgw-late-1", "payment", "authorized")))[0].GetProperty("position").GetInt64();
        Assert.True(early < late);

        // The later position is committed, but reading it now would let the reader pass the early one.
        var held = await FeedAsync($"?after={end}");
        Assert.Empty(held.GetProperty("items").EnumerateArray());
        var clock = Stopwatch.StartNew();
        var poll = _auditor.GetAsync($"/v1/feed?after={held.GetProperty("next").GetString()}&waitSeconds=20");
        await Task.Delay(400);
        Assert.False(poll.IsCompleted, "the poll waits while the early transaction is open");
        var committedAt = clock.Elapsed;
        await transaction.CommitAsync();
        // As every server does after its commits (FeedNotifier.Committed): tell the other servers.
        await using (var notify = _db.DataSource.CreateCommand($"SELECT pg_notify('{Reconciler.Store.Feed.FeedNotifier.Channel}', 'reconciler')"))
        {
            await notify.ExecuteNonQueryAsync();
        }

        var page = await (await poll).Content.ReadFromJsonAsync<JsonElement>();
        var answeredAfter = clock.Elapsed - committedAt;
        var positions = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("position").GetInt64()).ToList();
        Assert.Equal(early, positions[0]);
        Assert.Contains(late, positions);
        Assert.True(answeredAfter < TimeSpan.FromSeconds(2), $"answered {answeredAfter.TotalMilliseconds} ms after the commit");
    }

    [Fact]
    public async Task Given_nothing_new_when_the_wait_ends_then_the_poll_answers_empty_with_a_cursor()
    {
        var end = await EndCursorAsync();
        var clock = Stopwatch.StartNew();
        var page = await FeedAsync($"?after={end}&waitSeconds=1");
        Assert.Empty(page.GetProperty("items").EnumerateArray());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9));
        Assert.False(string.IsNullOrEmpty(page.GetProperty("next").GetString()));
    }

    [Fact]
    public async Task Given_a_type_filter_when_reading_then_only_those_types_come_and_next_passes_the_skipped_events()
    {
        var start = await EndCursorAsync();
        await ApiCalls.SendOneAsync(_gateway, "feed-types-1", "pgw-types-1", "payment", "authorized");
        await ApiCalls.SendOneAsync(_gateway, "feed-types-1", "pgw-types-2", "payment", "refunded"); // invalid transition: a conflict

        var page = await FeedAsync($"?after={start}&types=ConflictOpened,OutcomeDeclared&limit=1000");
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.NotEmpty(items);
        Assert.All(items, i => Assert.Contains(i.GetProperty("type").GetString(), new[] { "ConflictOpened", "OutcomeDeclared" }));
        var rest = await FeedAsync($"?after={page.GetProperty("next").GetString()}&limit=1000");
        Assert.Empty(rest.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Given_a_feed_item_then_it_has_every_field_of_the_contract()
    {
        var start = await EndCursorAsync();
        await ApiCalls.SendOneAsync(_gateway, "feed-fields-1", "pgw-fields-1", "payment", "authorized");
        var item = (await FeedAsync($"?after={start}")).GetProperty("items")[0];
        foreach (var field in new[] { "eventId", "position", "cursor", "operationId", "operationType", "version", "type", "time", "data" })
        {
            Assert.True(item.TryGetProperty(field, out _), $"missing {field}");
        }
        Assert.Equal("order", item.GetProperty("operationType").GetString());
        Assert.Equal("SignalReceived", item.GetProperty("type").GetString());
        Assert.Equal(1, item.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Given_a_bad_cursor_or_type_then_400_problems_say_what_to_fix()
    {
        foreach (var (query, slug) in new[] { ("?after=nonsense", "invalid-cursor"), ("?types=Nope", "unknown-event-type"), ("?limit=0", "invalid-limit"), ("?waitSeconds=999", "invalid-wait") })
        {
            var problem = await ApiCalls.GetJsonAsync(_auditor, "/v1/feed" + query, HttpStatusCode.BadRequest);
            Assert.EndsWith("/problems/" + slug, problem.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        }
        var stream = await _auditor.GetAsync("/v1/feed/stream?after=nonsense");
        Assert.Equal(HttpStatusCode.BadRequest, stream.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Anonymous.GetAsync("/v1/feed")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _gateway.GetAsync("/v1/feed")).StatusCode);
    }

    [Fact]
    public async Task Given_a_stream_when_it_reconnects_with_Last_Event_ID_then_it_resumes_exactly_after_that_item()
    {
        var start = await EndCursorAsync();
        for (var i = 0; i < 3; i++)
        {
            await ApiCalls.SendOneAsync(_gateway, $"feed-sse-{i}", $"pgw-sse-{i}", "payment", "authorized");
        }
        var expected = (await FeedAsync($"?after={start}&limit=1000")).GetProperty("items").EnumerateArray().ToList();
        Assert.True(expected.Count >= 3);

        var first = await ReadSseAsync($"/v1/feed/stream?after={start}", null, 2);
        Assert.Equal(expected[0].GetProperty("eventId").GetString(), first[0].Item.GetProperty("eventId").GetString());
        Assert.Equal(expected[1].GetProperty("cursor").GetString(), first[1].Id);
        Assert.Equal(expected[1].GetProperty("type").GetString(), first[1].Event);

        // Reconnect as a browser does: Last-Event-ID wins over the query's after.
        var resumed = await ReadSseAsync($"/v1/feed/stream?after={start}", first[1].Id, expected.Count - 2);
        Assert.Equal(expected.Skip(2).Select(i => i.GetProperty("eventId").GetString()), resumed.Select(r => r.Item.GetProperty("eventId").GetString()));

        // A new event reaches a connected stream.
        var live = ReadSseAsync($"/v1/feed/stream?after={expected[^1].GetProperty("cursor").GetString()}", null, 1);
        await Task.Delay(200);
        await ApiCalls.SendOneAsync(_gateway, "feed-sse-live", "pgw-sse-live", "payment", "authorized");
        Assert.Equal("feed-sse-live", (await live)[0].Item.GetProperty("operationId").GetString());
    }

    [Fact]
    public async Task Given_healthz_then_it_reports_the_feed_lag_without_a_key()
    {
        var health = await ApiCalls.GetJsonAsync(_server.Anonymous, "/healthz");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        var feed = health.GetProperty("feed");
        Assert.True(feed.GetProperty("lagTransactions").GetInt64() >= 0);
        Assert.True(feed.GetProperty("lagSeconds").GetDouble() >= 0);
        Assert.Equal("listening", feed.GetProperty("listener").GetString());
    }

    private sealed record SseEvent(string Id, string Event, JsonElement Item);

    private async Task<List<SseEvent>> ReadSseAsync(string path, string? lastEventId, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        using var response = await _auditor.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var events = new List<SseEvent>();
        string? id = null, type = null, data = null;
        while (events.Count < count)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("The stream ended.");
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    events.Add(new SseEvent(id!, type!, JsonDocument.Parse(data).RootElement.Clone()));
                }
                id = type = data = null;
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }
        return events;
    }

    private static FeedCursor Decode(string text)
    {
        Assert.True(FeedCursor.TryDecode(text, out var cursor));
        return cursor;
    }
}
