using System.Text.Json;
using Npgsql;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// Walking GET /v1/conflicts and GET /v1/operations page by page never skips a row inside the range walked,
/// even when a row's transaction started before newer rows and commits after the walk: the walk is then a
/// tail of the final listing (the late row sits above where the walk began, never in a gap behind it).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ListingWalkTests(ApiServerFixture api, PostgresFixture postgres) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly ApiServer _server = api.Server;
    private HttpClient _erp = null!;

    public async Task InitializeAsync()
    {
        await _server.PutPolicyAsync(TestPolicies.Order(type: "walk"));
        _erp = await _server.ClientWithRoleAsync("source", source: "erp");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("/v1/conflicts?operationType=walk", "conflictId")]
    [InlineData("/v1/operations?operationType=walk", "operationId")]
    public async Task Given_a_row_whose_transaction_commits_late_when_walking_then_the_walk_has_no_gap(string list, string id)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        await ApiCalls.SendOneAsync(_erp, $"walk-{tag}-a", $"{tag}-a", "shipping", "sent", "walk");
        await using var late = await api.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await late.BeginTransactionAsync();
        await InsertLateRowAsync(late, transaction, $"walk-{tag}-late");
        foreach (var name in new[] { "b", "c", "d" })
        {
            await ApiCalls.SendOneAsync(_erp, $"walk-{tag}-{name}", $"{tag}-{name}", "shipping", "sent", "walk");
        }

        var walk = await WalkAsync(list, id, stopAfterFirstPage: false);
        await transaction.CommitAsync();
        var final = await ApiCalls.EventuallyAsync(() => WalkAsync(list, id, stopAfterFirstPage: false), all => all.Count == walk.Count + 4);

        Assert.Equal(final.Skip(final.Count - walk.Count), walk);
        Assert.Contains(final, row => row.Contains("late", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Given_a_writing_transaction_left_open_in_another_database_when_a_signal_is_judged_then_the_lists_and_the_feed_show_it_at_once()
    {
        // Transaction ids belong to the whole cluster: a neighbour's long write must not hold back this database's safe point.
        await using var neighbour = await postgres.CreateDatabaseAsync("neighbour", migrate: false);
        await using var busy = await neighbour.DataSource.OpenConnectionAsync();
        await using var open = await busy.BeginTransactionAsync();
        await using (var write = new NpgsqlCommand("CREATE TABLE public.busy (x int); INSERT INTO public.busy VALUES (1)", busy, open))
        {
            await write.ExecuteNonQueryAsync();
        }
        var tail = (await ApiCalls.GetJsonAsync(_server.Admin, "/v1/feed?after=end")).GetProperty("next").GetString();
        var operationId = $"walk-{Guid.NewGuid():N}";

        var opened = Assert.Single(await ApiCalls.SendOneAsync(_erp, operationId, operationId + "-s", "shipping", "sent", "walk"));

        var conflicts = await ApiCalls.GetJsonAsync(_server.Admin, $"/v1/conflicts?operationId={operationId}");
        Assert.Equal(opened, Assert.Single(conflicts.GetProperty("items").EnumerateArray()).GetProperty("conflictId").GetString());
        var operations = await ApiCalls.GetJsonAsync(_server.Admin, "/v1/operations?operationType=walk&limit=1");
        Assert.Equal(operationId, Assert.Single(operations.GetProperty("items").EnumerateArray()).GetProperty("operationId").GetString());
        var feed = await ApiCalls.GetJsonAsync(_server.Admin, $"/v1/feed?after={tail}");
        Assert.Contains(feed.GetProperty("items").EnumerateArray(), item => item.GetProperty("operationId").GetString() == operationId);
        await open.RollbackAsync();
    }

    /// <summary>Every row of the list, newest first, one per page.</summary>
    private async Task<List<string>> WalkAsync(string list, string id, bool stopAfterFirstPage)
    {
        var rows = new List<string>();
        string? cursor = null;
        do
        {
            var page = await ApiCalls.GetJsonAsync(_server.Admin, $"{list}&limit=1{(cursor is null ? "" : "&cursor=" + cursor)}");
            rows.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty(id).GetString()!));
            cursor = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null && !stopAfterFirstPage);
        return rows;
    }

    /// <summary>An operation with one open conflict, written by a transaction that stays open (as a slow writer's would).</summary>
    private static async Task InsertLateRowAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string operationId)
    {
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("INSERT INTO streams (stream_id, operation_type, version) VALUES ($1, 'walk', 1)") { Parameters = { new() { Value = operationId } } },
                new("INSERT INTO operations (operation_id, operation_type, policy_version, outcome, health) VALUES ($1, 'walk', 1, 'pending', 'conflicted')")
                {
                    Parameters = { new() { Value = operationId } },
                },
                new("""
                    INSERT INTO conflicts (conflict_id, operation_id, operation_type, kind, severity, facet, sources, status, opened_at, occurrences, evidence_versions, record)
                    VALUES ($1 || '-late', $1, 'walk', 'unmodeled', 'medium', 'shipping', ARRAY['erp'], 'open', now(), 1, ARRAY[1::bigint],
                            jsonb_build_object('conflictId', $1 || '-late', 'operationId', $1))
                    """)
                {
                    Parameters = { new() { Value = operationId } },
                },
            },
        };
        await batch.ExecuteNonQueryAsync();
    }
}
