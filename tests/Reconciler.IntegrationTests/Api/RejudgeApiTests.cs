using System.Net;
using System.Text.Json;
using Npgsql;
using Reconciler.IntegrationTests.Console;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// A policy fix reaches the signals already received, over HTTP: a new version re-judges the open unmodeled conflicts it
/// names (in the background, progress on GET /v1/policies), rejudge=false and POST …/rejudge, a re-sent copy, the feed and
/// the console's timeline. Each test has its own operation type, so that the runs of one never touch another's conflicts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RejudgeApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private HttpClient _gateway = null!;
    private HttpClient _auditor = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(RejudgeApiTests));
        _server = await ApiServer.StartAsync(_db);
        _gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    /// <summary>The test order policy of <paramref name="type"/>; with <paramref name="refunds"/>, version 2 that names a partial refund after a capture.</summary>
    public static string Policy(string type, bool refunds) => refunds
        ? TestPolicies.Order(type: type)
            .Replace("""["authorized","captured","declined","refunded"]""", """["authorized","captured","declined","refunded","partially-refunded"]""", StringComparison.Ordinal)
            .Replace("""{ "authorized": ["captured","declined"], "captured": ["refunded"] }""",
                """{ "authorized": ["captured","declined"], "captured": ["refunded","partially-refunded"], "partially-refunded": ["refunded"] }""", StringComparison.Ordinal)
        : TestPolicies.Order(type: type);

    /// <summary>A captured payment, then a partial refund the first version does not name: the open unmodeled conflict's id.</summary>
    private async Task<string> PartialRefundAsync(string type, string operationId)
    {
        await ApiCalls.SendOneAsync(_gateway, operationId, operationId + "-a", "payment", "captured", type);
        return Assert.Single(await ApiCalls.SendOneAsync(_gateway, operationId, operationId + "-b", "payment", "partially-refunded", type));
    }

    private async Task<HttpStatusCode> PutAsync(string type, bool refunds, string query = "")
    {
        using var response = await _server.Admin.PutAsync($"/v1/policies/{type}{query}", ApiServer.Json(Policy(type, refunds)));
        return response.StatusCode;
    }

    private Task<JsonElement> ConflictAsync(string id) => ApiCalls.GetJsonAsync(_auditor, $"/v1/conflicts/{id}");

    private async Task<JsonElement> ResolvedAsync(string id)
    {
        var record = await ApiCalls.EventuallyAsync(() => ConflictAsync(id), c => c.GetProperty("status").GetString() == "resolved", TimeSpan.FromSeconds(30));
        Assert.Equal(("resolved", "modeled-by-policy"), (record.GetProperty("status").GetString(), record.GetProperty("resolution").GetString()));
        return record;
    }

    private async Task<List<JsonElement>> EventsAsync(string operationId) =>
        [.. (await ApiCalls.GetJsonAsync(_auditor, $"/v1/operations/{operationId}/events")).EnumerateArray()];

    private async Task<(string Status, long Examined, long Rejudged, long Signals)> RunAsync(string type, int version)
    {
        await using var command = _db.DataSource.CreateCommand("SELECT status, examined, rejudged, signals FROM rejudgings WHERE operation_type = $1 AND policy_version = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = type });
        command.Parameters.Add(new NpgsqlParameter { Value = version });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no run of {type} v{version}");
        return (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    [Fact]
    public async Task Given_an_unmodeled_state_when_a_version_naming_it_is_stored_then_the_signal_is_applied_and_the_conflict_resolves_modeled_by_policy()
    {
        Assert.Equal(HttpStatusCode.Created, await PutAsync("rj-apply", refunds: false));
        var id = await PartialRefundAsync("rj-apply", "rj-apply-1");

        Assert.Equal(HttpStatusCode.Created, await PutAsync("rj-apply", refunds: true));

        var record = await ResolvedAsync(id);
        Assert.Contains("Policy version 2", record.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var closing = record.GetProperty("events").EnumerateArray().Last();
        Assert.Equal(("ConflictResolved", 2), (closing.GetProperty("type").GetString(), closing.GetProperty("policyVersion").GetInt32()));
        Assert.Contains("SignalRejudged", record.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        var truth = await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/rj-apply-1");
        Assert.Equal(("partially-refunded", "owner"), (truth.GetProperty("facets").GetProperty("payment").GetProperty("state").GetString(),
            truth.GetProperty("facets").GetProperty("payment").GetProperty("basis").GetString()));
        var events = await EventsAsync("rj-apply-1");
        var received = events.Single(e => e.GetProperty("type").GetString() == "SignalReceived" && e.GetProperty("data").GetProperty("signalId").GetString() == "rj-apply-1-b");
        var rejudged = events.Single(e => e.GetProperty("type").GetString() == "SignalRejudged").GetProperty("data");
        Assert.Equal((id, received.GetProperty("version").GetInt32(), "rj-apply-1-b", true, "fresh"), (rejudged.GetProperty("conflictId").GetString(), rejudged.GetProperty("receivedVersion").GetInt32(),
            rejudged.GetProperty("signalId").GetString(), rejudged.GetProperty("applied").GetBoolean(), rejudged.GetProperty("judgement").GetString()));
        await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(_auditor, "/v1/policies/rj-apply"), p => !p.TryGetProperty("rejudging", out _));
        Assert.Equal(("done", 1L, 1L, 1L), await RunAsync("rj-apply", 2));
    }

    [Fact]
    public async Task Given_a_rejudged_signal_when_the_feed_and_the_console_are_read_then_they_show_it_under_the_new_version()
    {
        Assert.Equal(HttpStatusCode.Created, await PutAsync("rj-feed", refunds: false));
        var id = await PartialRefundAsync("rj-feed", "rj-feed-1");
        Assert.Equal(HttpStatusCode.Created, await PutAsync("rj-feed", refunds: true));
        await ResolvedAsync(id);

        var feed = await ApiCalls.GetJsonAsync(_auditor, "/v1/feed?types=SignalRejudged&limit=1000");
        var item = feed.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("operationId").GetString() == "rj-feed-1");
        Assert.Equal(("SignalRejudged", id, 2), (item.GetProperty("type").GetString(), item.GetProperty("data").GetProperty("conflictId").GetString(),
            item.GetProperty("data").GetProperty("policyVersion").GetInt32()));

        using var console = await ConsoleHttp.SignedInAsync(_server.BaseAddress, ApiServer.AdminSecret);
        var page = await console.GetStringAsync("/console/operations/rj-feed-1");
        Assert.Contains("re-judged under policy version 2", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_version_stored_with_rejudge_false_when_nothing_asks_then_nothing_is_rejudged_until_post_rejudge_names_the_newest_version()
    {
        Assert.Equal(HttpStatusCode.Created, await PutAsync("rj-later", refunds: false));
        var id = await PartialRefundAsync("rj-later", "rj-later-1");

        Assert.Equal(HttpStatusCode.Created, await PutAsync("rj-later", refunds: true, "?rejudge=false"));
        // The worker looks for runs every second and at once on this server's writes: give it time to do what it should not.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal("open", (await ConflictAsync(id)).GetProperty("status").GetString());
        Assert.False((await ApiCalls.GetJsonAsync(_auditor, "/v1/policies/rj-later")).TryGetProperty("rejudging", out _));
        await using (var runs = _db.DataSource.CreateCommand("SELECT count(*) FROM rejudgings WHERE operation_type = 'rj-later'"))
        {
            Assert.Equal(0L, await runs.ExecuteScalarAsync());
        }

        var (staleStatus, stale) = await ApiCalls.PostJsonAsync(_server.Admin, "/v1/policies/rj-later/rejudge", """{ "policyVersion": 1 }""");
        var (badStatus, bad) = await ApiCalls.PostJsonAsync(_server.Admin, "/v1/policies/rj-later/rejudge", """{ "policyVersion": "2" }""");
        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.BadRequest), (staleStatus, badStatus));
        Assert.EndsWith("/policy-version-changed", stale.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("/invalid-rejudge", bad.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal("open", (await ConflictAsync(id)).GetProperty("status").GetString());

        var (status, started) = await ApiCalls.PostJsonAsync(_server.Admin, "/v1/policies/rj-later/rejudge", """{ "policyVersion": 2 }""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(2, started.GetProperty("policyVersion").GetInt32());
        Assert.True(started.GetProperty("pending").GetInt64() + started.GetProperty("done").GetInt64() >= 1, started.GetRawText());
        await ResolvedAsync(id);
        Assert.Equal("partially-refunded", (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/rj-later-1")).GetProperty("facets").GetProperty("payment").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Given_an_unmodeled_report_when_its_copy_is_sent_after_the_version_naming_it_then_the_copy_is_applied_and_the_original_is_its_retry()
    {
        Assert.Equal(HttpStatusCode.Created, await PutAsync("rj-copy", refunds: false));
        var id = await PartialRefundAsync("rj-copy", "rj-copy-1");
        Assert.Equal(HttpStatusCode.Created, await PutAsync("rj-copy", refunds: true, "?rejudge=false"));

        var copy = (await ApiCalls.SendAsync(_gateway, ApiCalls.Signal("rj-copy-1", "rj-copy-1-c", "payment", "partially-refunded", "rj-copy")))[0];

        Assert.Equal("accepted", copy.GetProperty("status").GetString());
        Assert.Empty(copy.GetProperty("conflictsOpened").EnumerateArray());
        var payment = (await ApiCalls.GetJsonAsync(_auditor, "/v1/operations/rj-copy-1")).GetProperty("facets").GetProperty("payment");
        Assert.Equal("partially-refunded", payment.GetProperty("state").GetString());

        Assert.Equal(HttpStatusCode.Accepted, (await ApiCalls.PostJsonAsync(_server.Admin, "/v1/policies/rj-copy/rejudge", "")).Status);
        await ResolvedAsync(id);
        var rejudged = (await EventsAsync("rj-copy-1")).Single(e => e.GetProperty("type").GetString() == "SignalRejudged").GetProperty("data");
        Assert.Equal((false, "retry"), (rejudged.GetProperty("applied").GetBoolean(), rejudged.GetProperty("judgement").GetString()));
    }

    [Fact]
    public async Task Given_a_finished_run_when_it_is_started_again_then_nothing_is_rejudged_twice()
    {
        Assert.Equal(HttpStatusCode.Created, await PutAsync("rj-again", refunds: false));
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await PartialRefundAsync("rj-again", $"rj-again-{i}"));
        }
        Assert.Equal(HttpStatusCode.Created, await PutAsync("rj-again", refunds: true));
        foreach (var id in ids)
        {
            await ResolvedAsync(id);
        }
        await ApiCalls.EventuallyAsync(() => RunAsync("rj-again", 2), r => r.Status == "done");

        Assert.Equal(HttpStatusCode.Accepted, (await ApiCalls.PostJsonAsync(_server.Admin, "/v1/policies/rj-again/rejudge", "")).Status);
        var again = await ApiCalls.EventuallyAsync(() => RunAsync("rj-again", 2), r => r.Status == "done");

        Assert.Equal(("done", 0L, 0L), (again.Status, again.Rejudged, again.Signals));
        for (var i = 0; i < 3; i++)
        {
            Assert.Single(await EventsAsync($"rj-again-{i}"), e => e.GetProperty("type").GetString() == "SignalRejudged");
        }
    }

    [Fact]
    public async Task Given_no_policy_when_rejudge_is_asked_then_it_is_not_found_and_a_bad_rejudge_value_is_refused()
    {
        var (status, problem) = await ApiCalls.PostJsonAsync(_server.Admin, "/v1/policies/rj-none/rejudge", "");
        using var bad = await _server.Admin.PutAsync("/v1/policies/rj-none?rejudge=maybe", ApiServer.Json(Policy("rj-none", refunds: false)));

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.EndsWith("/unknown-operation-type", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _auditor.GetAsync("/v1/policies/rj-none")).StatusCode);
    }
}
