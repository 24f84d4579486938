using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Reconciler.IntegrationTests.Api;
using Reconciler.Testing;

namespace Reconciler.IntegrationTests.Cluster;

/// <summary>
/// A crash in the middle of a run of re-judging: the real `reconciler serve` holding the rejudging lease (one conflict per
/// page, a pause between pages) is killed with SIGKILL after a few pages; another server on the same database takes the
/// lease over and resumes from the progress the last committed page wrote. Every held signal is judged again exactly once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RejudgeTakeoverTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string AdminKey = "rejudge-takeover-admin";
    private const string Type = "rj-crash";
    private const int Operations = 16;
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await postgres.CreateDatabaseAsync(nameof(RejudgeTakeoverTests));

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Given_a_run_under_way_when_its_server_is_killed_then_another_resumes_it_and_nothing_is_rejudged_twice()
    {
        await using (var first = await StartAsync("rj-a"))
        {
            using var admin = Client(first, AdminKey);
            (await admin.PutAsync($"/v1/policies/{Type}", ApiServer.Json(RejudgeApiTests.Policy(Type, refunds: false)))).EnsureSuccessStatusCode();
            var key = await (await admin.PostAsJsonAsync("/v1/keys", new { role = "source", source = "payment-gateway" })).Content.ReadFromJsonAsync<JsonElement>();
            using var gateway = Client(first, key.GetProperty("key").GetString()!);
            await ApiCalls.SendAsync(gateway, ApiCalls.Batch(Enumerable.Range(0, Operations).Select(i => ApiCalls.Signal($"crash-{i}", $"crash-{i}", "payment", "partially-refunded", Type))));
            Assert.Equal(Operations, await CountAsync("SELECT count(*) FROM conflicts WHERE kind = 'unmodeled' AND status = 'open'"));

            (await admin.PutAsync($"/v1/policies/{Type}", ApiServer.Json(RejudgeApiTests.Policy(Type, refunds: true)))).EnsureSuccessStatusCode();
            var progress = await ApiCalls.EventuallyAsync(() => RejudgingAsync(admin), r => r is { } p && p.GetProperty("done").GetInt64() >= 3, TimeSpan.FromSeconds(60));
            Assert.True(progress is not null, $"the run did not get going\n{first.Output}");
            await first.KillAsync();
        }

        var examinedAtKill = await CountAsync($"SELECT examined FROM rejudgings WHERE operation_type = '{Type}' AND policy_version = 2");
        Assert.True(examinedAtKill is >= 3 and < Operations, $"killed after {examinedAtKill} of {Operations} conflicts: not in the middle of the run");

        await using var second = await StartAsync("rj-b");
        using var auditor = Client(second, AdminKey);
        var left = await ApiCalls.EventuallyAsync(() => RejudgingAsync(auditor), r => r is null, TimeSpan.FromSeconds(60));
        Assert.True(left is null, $"the run did not end after the takeover: {left}\n{second.Output}");

        Assert.Equal(("done", (long)Operations, (long)Operations, (long)Operations), await RunAsync());
        for (var i = 0; i < Operations; i++)
        {
            var events = await ApiCalls.GetJsonAsync(auditor, $"/v1/operations/crash-{i}/events");
            Assert.Single(events.EnumerateArray(), e => e.GetProperty("type").GetString() == "SignalRejudged");
            var truth = await ApiCalls.GetJsonAsync(auditor, $"/v1/operations/crash-{i}");
            Assert.Equal("partially-refunded", truth.GetProperty("facets").GetProperty("payment").GetProperty("state").GetString());
        }
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM conflicts WHERE kind = 'unmodeled' AND status = 'open'"));
    }

    private static async Task<JsonElement?> RejudgingAsync(HttpClient client) =>
        (await ApiCalls.GetJsonAsync(client, $"/v1/policies/{Type}")).TryGetProperty("rejudging", out var rejudging) ? rejudging : null;

    private async Task<long> CountAsync(string sql)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<(string, long, long, long)> RunAsync()
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT status, examined, rejudged, signals FROM rejudgings WHERE operation_type = '{Type}' AND policy_version = 2");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    // One conflict per page and a pause after each, so that the kill lands in the middle of the run.
    private Task<ServerProcess> StartAsync(string node) => ServerProcess.StartAsync(
        ["--connection", _db.ConnectionString, "--node", node],
        new Dictionary<string, string>
        {
            ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = AdminKey,
            ["RECONCILER_REJUDGE_PAGE_SIZE"] = "1",
            ["RECONCILER_REJUDGE_PAGE_PAUSE_MS"] = "300",
        },
        TimeSpan.FromSeconds(90));

    private static HttpClient Client(ServerProcess server, string key)
    {
        var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
