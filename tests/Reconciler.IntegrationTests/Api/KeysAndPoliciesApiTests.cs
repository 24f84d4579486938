using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>Keys (create, revoke, hashed at rest) and versioned policies (validate, store, read back).</summary>
[Collection(PostgresCollection.Name)]
public sealed class KeysAndPoliciesApiTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly ApiServer _server = api.Server;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Given_an_admin_when_creating_a_source_key_then_201_shows_the_key_once_and_only_its_hash_is_stored()
    {
        var response = await _server.Admin.PostAsJsonAsync("/v1/keys", new { role = "source", source = "erp" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var key = created.GetProperty("key").GetString()!;
        Assert.Equal("source", created.GetProperty("role").GetString());
        Assert.Equal("erp", created.GetProperty("source").GetString());
        await using var command = api.Database.DataSource.CreateCommand("SELECT count(*) FROM api_keys WHERE position(convert_to($1, 'UTF8') in secret_hash) > 0 OR key_id = $1");
        command.Parameters.Add(new() { Value = key });
        Assert.Equal(0L, await command.ExecuteScalarAsync());
        var erp = _server.ClientFor(key);
        Assert.Equal(HttpStatusCode.Forbidden, (await erp.GetAsync("/v1/operations")).StatusCode);
    }

    [Theory]
    [InlineData("""{ "role": "wizard" }""", "invalid-role")]
    [InlineData("""{ "role": "source" }""", "invalid-source")]
    [InlineData("""{ "role": "auditor", "source": "erp" }""", "invalid-source")]
    [InlineData("""{ "role": """, "malformed-json")]
    public async Task Given_a_bad_key_request_when_posted_then_400_names_the_problem(string body, string slug)
    {
        var response = await _server.Admin.PostAsync("/v1/keys", ApiServer.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.EndsWith("/" + slug, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Given_a_key_when_revoked_then_204_and_later_use_is_401()
    {
        var created = await (await _server.Admin.PostAsJsonAsync("/v1/keys", new { role = "auditor", name = "ann" })).Content.ReadFromJsonAsync<JsonElement>();
        var ann = _server.ClientFor(created.GetProperty("key").GetString());
        Assert.Equal(HttpStatusCode.OK, (await ann.GetAsync("/v1/operations")).StatusCode);

        var revoke = await _server.Admin.DeleteAsync($"/v1/keys/{created.GetProperty("id").GetString()}");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ann.GetAsync("/v1/operations")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Admin.DeleteAsync($"/v1/keys/{created.GetProperty("id").GetString()}")).StatusCode);
    }

    [Fact]
    public async Task Given_no_key_or_an_unknown_key_when_calling_then_401_but_healthz_needs_none()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Anonymous.GetAsync("/v1/operations")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.ClientFor("rk_0000_nope").GetAsync("/v1/operations")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.ClientFor("not-a-key").GetAsync("/v1/operations")).StatusCode);
        var health = await _server.Anonymous.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", (await health.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Given_a_policy_when_put_twice_changed_then_versions_1_and_2_are_both_readable()
    {
        var first = await _server.Admin.PutAsync("/v1/policies/order-v", ApiServer.Json(TestPolicies.Order(type: "order-v")));
        var same = await _server.Admin.PutAsync("/v1/policies/order-v", ApiServer.Json(TestPolicies.Order(type: "order-v")));
        var second = await _server.Admin.PutAsync("/v1/policies/order-v", ApiServer.Json(TestPolicies.Order(graceSeconds: 60, type: "order-v")));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(1, (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal(1, (await same.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(2, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        var latest = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/policies/order-v");
        var old = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/policies/order-v?version=1");
        Assert.Equal((2, 60), (latest.GetProperty("version").GetInt32(), latest.GetProperty("graceSeconds").GetInt32()));
        Assert.Equal((1, 300), (old.GetProperty("version").GetInt32(), old.GetProperty("graceSeconds").GetInt32()));
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Admin.GetAsync("/v1/policies/order-v?version=9")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Admin.GetAsync("/v1/policies/parcel")).StatusCode);
    }

    [Fact]
    public async Task Given_a_policy_read_back_when_put_again_unchanged_then_no_new_version()
    {
        await _server.PutPolicyAsync(TestPolicies.Subscription());
        var read = await _server.Admin.GetStringAsync("/v1/policies/subscription");

        var again = await _server.Admin.PutAsync("/v1/policies/subscription", ApiServer.Json(read));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Given_an_invalid_policy_when_put_then_422_lists_every_problem_with_its_path_and_nothing_is_stored()
    {
        var invalid = TestPolicies.Order(type: "order-bad").Replace("\"captured\",\"declined\"]", "\"capturd\",\"declined\"]").Replace("\"PT10M\"", "\"ten minutes\"");

        var response = await _server.Admin.PutAsync("/v1/policies/order-bad", ApiServer.Json(invalid));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var paths = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToList();
        Assert.Contains("facets.payment.transitions.authorized[0]", paths);
        Assert.Contains("expectations[0].within", paths);
        Assert.Contains("capturd", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Admin.GetAsync("/v1/policies/order-bad")).StatusCode);
    }

    [Fact]
    public async Task Given_a_path_type_that_differs_from_the_body_when_put_then_422()
    {
        var response = await _server.Admin.PutAsync("/v1/policies/parcel", ApiServer.Json(TestPolicies.Order()));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("operationType", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Given_a_new_policy_version_when_signals_arrive_then_they_are_judged_under_it_and_events_record_it()
    {
        await _server.PutPolicyAsync(TestPolicies.Order(type: "order-pv"));
        var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        await gateway.PostAsync("/v1/signals", ApiServer.Json("""{ "operationId": "pv-1", "operationType": "order-pv", "signalId": "pv-a", "facet": "payment", "state": "authorized" }"""));
        await _server.PutPolicyAsync(TestPolicies.Order(graceSeconds: 61, type: "order-pv"));

        await gateway.PostAsync("/v1/signals", ApiServer.Json("""{ "operationId": "pv-1", "operationType": "order-pv", "signalId": "pv-b", "facet": "payment", "state": "captured" }"""));

        var events = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/pv-1/events");
        var received = events.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "SignalReceived").ToList();
        Assert.Equal([1, 2], received.Select(e => e.GetProperty("policyVersion").GetInt32()));
        var truth = await _server.Admin.GetFromJsonAsync<JsonElement>("/v1/operations/pv-1");
        Assert.Equal(2, truth.GetProperty("policyVersion").GetInt32());
    }
}
