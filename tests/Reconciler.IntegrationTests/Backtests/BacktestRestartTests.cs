using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using Reconciler.Testing;

namespace Reconciler.IntegrationTests.Backtests;

/// <summary>
/// A server killed in the middle of a backtest: the real `reconciler serve` holding the backtests lease (one operation per page,
/// a pause after each) is killed with SIGKILL after a few pages; a server started again on the same database resumes the
/// backtest after its last committed page, from the summary stored there. The result is the one an uninterrupted run gives.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BacktestRestartTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string AdminKey = "backtest-restart-admin";
    private const string Type = "bt-restart";
    private const int Operations = 16;
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await postgres.CreateDatabaseAsync(nameof(BacktestRestartTests));

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Given_a_backtest_under_way_when_its_server_is_killed_then_a_restarted_server_resumes_it_to_the_same_result()
    {
        var candidate = TestPolicies.Order(type: Type).Replace("\"owner\": \"payment-gateway\"", "\"owner\": \"erp\"", StringComparison.Ordinal);
        string id, asOf;
        await using (var first = await StartAsync("bt-a"))
        {
            using var admin = Client(first, AdminKey);
            (await admin.PutAsync($"/v1/policies/{Type}", ApiServer.Json(TestPolicies.Order(type: Type)))).EnsureSuccessStatusCode();
            var key = await (await admin.PostAsJsonAsync("/v1/keys", new { role = "source", source = "payment-gateway" })).Content.ReadFromJsonAsync<JsonElement>();
            using var gateway = Client(first, key.GetProperty("key").GetString()!);
            await ApiCalls.SendAsync(gateway, ApiCalls.Batch(Enumerable.Range(0, Operations).Select(i => ApiCalls.Signal($"btk-{i:D2}", $"btk-{i:D2}", "payment", "captured", Type))));
            var events = await ApiCalls.GetJsonAsync(admin, $"/v1/operations/btk-{Operations - 1:D2}/events");
            asOf = Uri.EscapeDataString(events[0].GetProperty("time").GetDateTimeOffset().AddSeconds(1).ToString("O", CultureInfo.InvariantCulture));
            await Task.Delay(1100);

            var (status, started) = await ApiCalls.PostJsonAsync(admin, $"/v1/policies/{Type}/backtests?asOf={asOf}", candidate);
            Assert.True(status == HttpStatusCode.Accepted, started.ToString());
            id = started.GetProperty("backtestId").GetString()!;
            var running = await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(admin, $"/v1/backtests/{id}"),
                b => b.GetProperty("progress").GetProperty("done").GetInt64() >= 3, TimeSpan.FromSeconds(60));
            Assert.True(running.GetProperty("progress").GetProperty("done").GetInt64() >= 3, $"the backtest did not get going: {running}\n{first.Output}");
            await first.KillAsync();
        }

        var (statusAtKill, doneAtKill) = await RowAsync(id);
        Assert.True(statusAtKill == "running" && doneAtKill is >= 3 and < Operations, $"killed at {statusAtKill} {doneAtKill} of {Operations}: not in the middle");

        await using var second = await StartAsync("bt-b");
        using var auditor = Client(second, AdminKey);
        var resumed = await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(auditor, $"/v1/backtests/{id}"),
            b => b.GetProperty("status").GetString() != "running", TimeSpan.FromSeconds(60));
        Assert.True(resumed.GetProperty("status").GetString() == "done", $"{resumed}\n{second.Output}");
        Assert.Equal((long)Operations, resumed.GetProperty("progress").GetProperty("done").GetInt64());
        Assert.Equal(2L, await CountAsync($"SELECT attempts FROM backtests WHERE backtest_id = '{id}'"));

        var (againStatus, again) = await ApiCalls.PostJsonAsync(auditor, $"/v1/policies/{Type}/backtests?asOf={asOf}", candidate);
        Assert.Equal(HttpStatusCode.Accepted, againStatus);
        var uninterrupted = await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(auditor, $"/v1/backtests/{again.GetProperty("backtestId").GetString()}"),
            b => b.GetProperty("status").GetString() != "queued" && b.GetProperty("status").GetString() != "running", TimeSpan.FromSeconds(60));
        Assert.Equal("done", uninterrupted.GetProperty("status").GetString());
        Assert.Equal(uninterrupted.GetProperty("summary").GetProperty("hash").GetString(), resumed.GetProperty("summary").GetProperty("hash").GetString());
        Assert.Equal(Operations, resumed.GetProperty("summary").GetProperty("changed").GetInt64());
        Assert.Equal(await CountAsync($"SELECT count(*) FROM backtest_changes WHERE backtest_id = '{again.GetProperty("backtestId").GetString()}'"),
            await CountAsync($"SELECT count(*) FROM backtest_changes WHERE backtest_id = '{id}'"));
    }

    private async Task<(string Status, long Done)> RowAsync(string id)
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT status, done FROM backtests WHERE backtest_id = '{id}'");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetInt64(1));
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    // One operation per page and a pause after each, so that the kill lands in the middle of the backtest.
    private Task<ServerProcess> StartAsync(string node) => ServerProcess.StartAsync(
        ["--connection", _db.ConnectionString, "--node", node],
        new Dictionary<string, string>
        {
            ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = AdminKey,
            ["RECONCILER_BACKTEST_PAGE_SIZE"] = "1",
            ["RECONCILER_BACKTEST_PAGE_PAUSE_MS"] = "300",
        },
        TimeSpan.FromSeconds(90));

    private static HttpClient Client(ServerProcess server, string key)
    {
        var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
