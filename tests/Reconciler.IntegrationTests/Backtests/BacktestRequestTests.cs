using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Reconciler.Backtests;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Backtests;

/// <summary>
/// Asking for backtests: refusals that store nothing, a range on the operations' first signal, one backtest at a time (the next
/// waits queued), and cancellation. The server compares one operation per page with a pause after each, so a backtest is
/// still running when the test acts on it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BacktestRequestTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string Type = "btr";
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _auditor = null!;
    private DateTimeOffset _secondWave;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(BacktestRequestTests));
        _server = await ApiServer.StartAsync(_db, addServices: services =>
            services.AddSingleton(new BacktestOptions { PageSize = 1, PagePause = TimeSpan.FromMilliseconds(250) }));
        await _server.PutPolicyAsync(TestPolicies.Order(type: Type));
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        await ApiCalls.SendAsync(gateway, ApiCalls.Batch(Enumerable.Range(0, 8).Select(i => ApiCalls.Signal($"btr-1-{i}", $"btr-1-{i}", "payment", "captured", Type))));
        await Task.Delay(50);
        await ApiCalls.SendAsync(gateway, ApiCalls.Batch(Enumerable.Range(0, 4).Select(i => ApiCalls.Signal($"btr-2-{i}", $"btr-2-{i}", "payment", "captured", Type))));
        var events = await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/btr-2-0/events");
        _secondWave = events[0].GetProperty("time").GetDateTimeOffset();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Given_bad_requests_when_asking_for_a_backtest_then_each_is_refused_with_its_problem_and_nothing_is_stored()
    {
        var good = TestPolicies.Order(type: Type);
        var stored = await CountAsync("SELECT count(*) FROM backtests");
        var cases = new (string Path, string Body, HttpStatusCode Status, string Slug)[]
        {
            ($"/v1/policies/{Type}/backtests", good.Replace("\"graceSeconds\": 300", "\"graceSeconds\": \"soon\"", StringComparison.Ordinal), HttpStatusCode.UnprocessableEntity, "invalid-policy"),
            ($"/v1/policies/{Type}/backtests", TestPolicies.Order(type: "other"), HttpStatusCode.UnprocessableEntity, "invalid-policy"),
            ($"/v1/policies/{Type}/backtests", "{ not json", HttpStatusCode.BadRequest, "malformed-json"),
            ($"/v1/policies/{Type}/backtests?from=yesterday", good, HttpStatusCode.BadRequest, "invalid-query"),
            ($"/v1/policies/{Type}/backtests?from=2026-12-02T10:00:00Z&to=2026-12-01T10:00:00Z", good, HttpStatusCode.BadRequest, "invalid-range"),
            ($"/v1/policies/{Type}/backtests?asOf=2999-01-01T00:00:00Z", good, HttpStatusCode.BadRequest, "invalid-range"),
            ("/v1/policies/no-such-type/backtests", TestPolicies.Order(type: "no-such-type"), HttpStatusCode.NotFound, "unknown-operation-type"),
        };
        foreach (var (path, body, status, slug) in cases)
        {
            var (answered, problem) = await ApiCalls.PostJsonAsync(_auditor, path, body);
            Assert.True(answered == status, $"POST {path}: expected {(int)status}, got {(int)answered} {problem}");
            Assert.EndsWith("/problems/" + slug, problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        }
        var (_, invalid) = await ApiCalls.PostJsonAsync(_auditor, $"/v1/policies/{Type}/backtests", cases[0].Body);
        Assert.Contains(invalid.GetProperty("errors").EnumerateArray(), e => e.GetProperty("path").GetString() == "graceSeconds");

        await ApiCalls.GetJsonAsync(_auditor, "/v1/backtests/bt-unknown", HttpStatusCode.NotFound);
        await ApiCalls.GetJsonAsync(_auditor, "/v1/backtests/bt-unknown/changes", HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await _auditor.DeleteAsync("/v1/backtests/bt-unknown")).StatusCode);
        await ApiCalls.GetJsonAsync(_auditor, "/v1/backtests/bt-unknown/changes?kind=everything", HttpStatusCode.BadRequest);
        await ApiCalls.GetJsonAsync(_auditor, "/v1/backtests/bt-unknown/changes?cursor=!!", HttpStatusCode.BadRequest);
        await ApiCalls.GetJsonAsync(_auditor, "/v1/backtests/bt-unknown/changes?limit=0", HttpStatusCode.BadRequest);
        await ApiCalls.GetJsonAsync(_auditor, $"/v1/policies/{Type}/backtests?status=sleeping", HttpStatusCode.BadRequest);
        Assert.Equal(stored, await CountAsync("SELECT count(*) FROM backtests"));
    }

    [Fact]
    public async Task Given_a_range_when_backtesting_then_only_operations_whose_first_signal_falls_in_it_are_compared()
    {
        var from = Uri.EscapeDataString(_secondWave.ToString("O", CultureInfo.InvariantCulture));
        var (status, started) = await ApiCalls.PostJsonAsync(_auditor, $"/v1/policies/{Type}/backtests?from={from}",
            TestPolicies.Order(type: Type).Replace("\"owner\": \"payment-gateway\"", "\"owner\": \"erp\"", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Accepted, status);

        var done = await WaitAsync(started.GetProperty("backtestId").GetString()!, "done");

        Assert.Equal(4, done.GetProperty("progress").GetProperty("total").GetInt64());
        // PostgreSQL keeps times to the microsecond.
        Assert.Equal(_secondWave.Ticks / 10, done.GetProperty("from").GetDateTimeOffset().Ticks / 10);
        var facet = Assert.Single(done.GetProperty("summary").GetProperty("examples").EnumerateArray(), e => e.GetProperty("change").GetString() == "facet:payment");
        Assert.Equal(["btr-2-0", "btr-2-1", "btr-2-2", "btr-2-3"], facet.GetProperty("operationIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Given_a_running_backtest_when_it_is_cancelled_then_it_stops_writing_the_next_one_runs_and_a_second_delete_removes_it()
    {
        // Every operation changes under it (the gateway's captured payment is only provisional), so each page writes changes.
        var candidate = TestPolicies.Order(type: Type).Replace("\"owner\": \"payment-gateway\"", "\"owner\": \"erp\"", StringComparison.Ordinal);
        var first = (await ApiCalls.PostJsonAsync(_auditor, $"/v1/policies/{Type}/backtests", candidate)).Body.GetProperty("backtestId").GetString()!;
        var second = (await ApiCalls.PostJsonAsync(_auditor, $"/v1/policies/{Type}/backtests", candidate)).Body.GetProperty("backtestId").GetString()!;
        var running = await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(_auditor, $"/v1/backtests/{first}"),
            b => b.GetProperty("progress").GetProperty("done").GetInt64() >= 2, TimeSpan.FromSeconds(30));
        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.True(running.GetProperty("progress").TryGetProperty("estimatedEnd", out _), running.ToString());
        Assert.Equal("queued", (await ApiCalls.GetJsonAsync(_auditor, $"/v1/backtests/{second}")).GetProperty("status").GetString());

        var cancel = await _auditor.DeleteAsync($"/v1/backtests/{first}");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = JsonDocument.Parse(await cancel.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        var doneAtCancel = cancelled.GetProperty("progress").GetProperty("done").GetInt64();
        Assert.True(doneAtCancel < 12, cancelled.ToString());

        // The next backtest starts, and the cancelled one writes nothing more while the other runs page after page.
        await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(_auditor, $"/v1/backtests/{second}"),
            b => b.GetProperty("progress").GetProperty("done").GetInt64() >= 3, TimeSpan.FromSeconds(30));
        var after = await ApiCalls.GetJsonAsync(_auditor, $"/v1/backtests/{first}");
        Assert.Equal(("cancelled", doneAtCancel), (after.GetProperty("status").GetString(), after.GetProperty("progress").GetProperty("done").GetInt64()));
        Assert.False(after.TryGetProperty("summary", out _));
        Assert.Equal(doneAtCancel, await CountAsync($"SELECT count(DISTINCT operation_id) FROM backtest_changes WHERE backtest_id = '{first}'"));

        Assert.Equal(HttpStatusCode.NoContent, (await _auditor.DeleteAsync($"/v1/backtests/{first}")).StatusCode);
        await ApiCalls.GetJsonAsync(_auditor, $"/v1/backtests/{first}", HttpStatusCode.NotFound);
        Assert.Equal(0L, await CountAsync($"SELECT count(*) FROM backtest_changes WHERE backtest_id = '{first}'"));
        await WaitAsync(second, "done");
    }

    private async Task<JsonElement> WaitAsync(string id, string status)
    {
        var backtest = await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(_auditor, $"/v1/backtests/{id}"),
            b => b.GetProperty("status").GetString() is "done" or "failed" or "cancelled", TimeSpan.FromSeconds(60));
        Assert.True(backtest.GetProperty("status").GetString() == status, backtest.ToString());
        return backtest;
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
