using System.Net;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary>The contract of /v1/subscriptions: fields, status codes, path-precise 422s, and never the secret after creation.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SubscriptionsApiTests(WebhookFixture fixture) : IClassFixture<WebhookFixture>
{
    // No receiver listens here: nothing these tests create is delivered (no events of their types happen).
    private const string Url = "http://127.0.0.1:9/hooks";

    private static List<(string Path, string Rule)> Errors(JsonElement problem) =>
        problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("path").GetString()!, e.GetProperty("rule").GetString()!)).ToList();

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string json) =>
        await fixture.SendJsonAsync(HttpMethod.Post, "/v1/subscriptions", json);

    [Fact]
    public async Task Given_a_new_subscription_when_created_without_a_secret_then_201_shows_a_generated_secret_once_and_get_never()
    {
        var response = await fixture.Admin.PostAsync("/v1/subscriptions", ApiServer.Json($$"""{ "name": "api-new", "url": "{{Url}}", "operationTypes": ["api-none"] }"""));
        var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/v1/subscriptions/api-new", response.Headers.Location?.OriginalString);
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        var view = await fixture.GetAsync("api-new");
        Assert.False(view.TryGetProperty("secret", out _));
        Assert.DoesNotContain(secret["whsec_".Length..], view.GetRawText());
        Assert.Equal(("api-new", Url, "active"), (view.GetProperty("name").GetString(), view.GetProperty("url").GetString(), view.GetProperty("status").GetString()));
        Assert.False(view.TryGetProperty("types", out _), "no types filter: every type");
        Assert.Equal(["api-none"], view.GetProperty("operationTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(22, view.GetProperty("checkpoint").GetString()!.Length);
        Assert.Equal((0L, 0.0), (view.GetProperty("lag").GetProperty("events").GetInt64(), view.GetProperty("lag").GetProperty("seconds").GetDouble()));
        Assert.Equal((0L, 0L, 0L), (view.GetProperty("delivered").GetInt64(), view.GetProperty("failures").GetInt64(), view.GetProperty("parked").GetInt64()));
        Assert.Equal("""{"maxAttempts":8,"initialDelay":"PT5S","maxDelay":"PT1H","maxAge":"P1D"}""", view.GetProperty("retry").GetRawText());
        var list = await ApiCalls.GetJsonAsync(fixture.Admin, "/v1/subscriptions");
        Assert.Contains(list.GetProperty("items").EnumerateArray(), s => s.GetProperty("name").GetString() == "api-new");
        Assert.DoesNotContain("\"secret\"", list.GetRawText());

        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Admin.DeleteAsync("/v1/subscriptions/api-new")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Admin.GetAsync("/v1/subscriptions/api-new")).StatusCode);
    }

    [Fact]
    public async Task Given_an_existing_name_when_created_again_then_409()
    {
        var body = $$"""{ "name": "api-twice", "url": "{{Url}}", "operationTypes": ["api-none"] }""";
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(body)).Status);

        var (status, problem) = await PostAsync(body);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("https://reconciler.dev/problems/subscription-exists", problem.GetProperty("type").GetString());
        await fixture.DeleteAsync("api-twice");
    }

    [Fact]
    public async Task Given_a_bad_retry_when_creating_then_422_names_each_field()
    {
        var (status, problem) = await PostAsync($$"""
            { "name": "api-retry", "url": "{{Url}}", "retry": { "maxAttempts": 0, "initialDelay": "5 seconds", "maxDelay": "PT0.1S", "maxAge": "P90D", "backoff": 2 } }
            """);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("https://reconciler.dev/problems/invalid-subscription", problem.GetProperty("type").GetString());
        Assert.Equal(
            [("retry.backoff", "unknown-field"), ("retry.maxAttempts", "invalid-retry"), ("retry.initialDelay", "invalid-retry"), ("retry.maxAge", "invalid-retry"), ("retry.maxDelay", "invalid-retry")],
            Errors(problem));
        Assert.Contains("retry.maxAttempts: must be a whole number 1..20", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Admin.GetAsync("/v1/subscriptions/api-retry")).StatusCode);
    }

    [Fact]
    public async Task Given_a_bad_url_type_secret_and_name_when_creating_then_422_lists_every_problem()
    {
        var (status, problem) = await PostAsync("""
            { "name": "no spaces", "url": "ftp://127.0.0.1/x", "types": ["OutcomeDeclared", "OutcomeGuessed"], "secret": "change-me", "from": "yesterday", "operationType": ["x"] }
            """);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(
            [("operationType", "unknown-field"), ("name", "invalid-name"), ("url", "scheme"), ("types[1]", "unknown-event-type"), ("secret", "invalid-secret"), ("from", "invalid-from")],
            Errors(problem));
        var (missing, required) = await PostAsync("{}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing);
        Assert.Equal([("name", "required"), ("url", "required")], Errors(required));
        var (shortSecret, tooShort) = await PostAsync($$"""{ "name": "api-short", "url": "{{Url}}", "secret": "whsec_{{Convert.ToBase64String(new byte[16])}}" }""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, shortSecret);
        Assert.Contains("holds 16 bytes", tooShort.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Given_an_unknown_subscription_when_addressed_then_404_and_bad_changes_are_422()
    {
        foreach (var (method, path, body) in new[]
        {
            ("GET", "/v1/subscriptions/api-nobody", null), ("PATCH", "/v1/subscriptions/api-nobody", """{ "status": "paused" }"""),
            ("DELETE", "/v1/subscriptions/api-nobody", null), ("GET", "/v1/subscriptions/api-nobody/parked", null),
            ("POST", "/v1/subscriptions/api-nobody/parked/redeliver", null),
        })
        {
            var (status, problem) = await fixture.SendJsonAsync(new HttpMethod(method), path, body);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("https://reconciler.dev/problems/unknown-subscription", problem.GetProperty("type").GetString());
        }
        Assert.Equal(HttpStatusCode.Created, (await PostAsync($$"""{ "name": "api-change", "url": "{{Url}}", "operationTypes": ["api-none"] }""")).Status);
        var (disabled, problem422) = await fixture.SendJsonAsync(HttpMethod.Patch, "/v1/subscriptions/api-change", """{ "status": "disabled", "url": "http://127.0.0.1:9/other" }""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, disabled);
        Assert.Equal([("status", "invalid-status")], Errors(problem422));
        var (redeliver, badIds) = await fixture.SendJsonAsync(HttpMethod.Post, "/v1/subscriptions/api-change/parked/redeliver", """{ "eventIds": ["evt-1", "order-1"], "from": "today" }""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, redeliver);
        Assert.Equal([("eventIds[1]", "invalid-event-id"), ("from", "invalid-time")], Errors(badIds));
        var (ok, changed) = await fixture.SendJsonAsync(HttpMethod.Patch, "/v1/subscriptions/api-change", """{ "types": ["OutcomeDeclared"], "url": "http://127.0.0.1:9/other" }""");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(("http://127.0.0.1:9/other", "OutcomeDeclared"), (changed.GetProperty("url").GetString(), changed.GetProperty("types")[0].GetString()));
        var parked = await ApiCalls.GetJsonAsync(fixture.Admin, "/v1/subscriptions/api-change/parked");
        Assert.Empty(parked.GetProperty("items").EnumerateArray());
        await fixture.DeleteAsync("api-change");
    }

    [Fact]
    public async Task Given_each_role_when_calling_subscription_endpoints_then_only_admin_passes()
    {
        var clients = new Dictionary<string, HttpClient>
        {
            ["source"] = await fixture.Server.ClientWithRoleAsync("source", source: "erp"),
            ["auditor"] = await fixture.Server.ClientWithRoleAsync("auditor", name: "ann"),
            ["resolver"] = await fixture.Server.ClientWithRoleAsync("resolver", name: "rob"),
        };
        foreach (var (method, path) in new[]
        {
            ("POST", "/v1/subscriptions"), ("GET", "/v1/subscriptions"), ("GET", "/v1/subscriptions/x"), ("PATCH", "/v1/subscriptions/x"),
            ("DELETE", "/v1/subscriptions/x"), ("GET", "/v1/subscriptions/x/parked"), ("POST", "/v1/subscriptions/x/parked/redeliver"),
        })
        {
            foreach (var (role, client) in clients)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method is "POST" or "PATCH" ? ApiServer.Json("{}") : null };
                Assert.True((await client.SendAsync(request)).StatusCode == HttpStatusCode.Forbidden, $"{role} {method} {path}");
            }
            using var anonymous = new HttpRequestMessage(new HttpMethod(method), path);
            Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Server.Anonymous.SendAsync(anonymous)).StatusCode);
            using var admin = new HttpRequestMessage(new HttpMethod(method), path) { Content = method is "POST" or "PATCH" ? ApiServer.Json("{}") : null };
            Assert.True((await fixture.Admin.SendAsync(admin)).StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"admin {method} {path}");
        }
    }

}

/// <summary>Without --allow-private-webhooks, loopback, private and link-local targets are refused, naming the rule.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PrivateWebhookTargetTests(StrictWebhookFixture fixture) : IClassFixture<StrictWebhookFixture>
{
    [Theory]
    [InlineData("http://127.0.0.1:8080/hook", "loopback-address")]
    [InlineData("http://localhost/hook", "loopback-address")]
    [InlineData("https://[::1]/hook", "loopback-address")]
    [InlineData("https://10.1.2.3/hook", "private-address")]
    [InlineData("https://192.168.0.10/hook", "private-address")]
    [InlineData("http://169.254.169.254/latest/meta-data", "link-local-address")]
    [InlineData("http://[::ffff:172.16.0.1]/hook", "private-address")]
    public async Task Given_a_private_target_without_the_flag_when_creating_then_422_names_the_rule(string url, string rule)
    {
        var (status, problem) = await fixture.SendJsonAsync(HttpMethod.Post, "/v1/subscriptions", JsonSerializer.Serialize(new { name = "private", url }));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(("url", rule), (error.GetProperty("path").GetString(), error.GetProperty("rule").GetString()));
        Assert.Contains("--allow-private-webhooks", error.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Admin.GetAsync("/v1/subscriptions/private")).StatusCode);
    }
}
