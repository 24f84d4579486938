using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Reconciler.IntegrationTests.Api;
using Reconciler.IntegrationTests.Support;
using Reconciler.Webhooks;

namespace Reconciler.IntegrationTests.Console;

/// <summary>
/// The console's sessions and pages over plain HTTP: the cookie's attributes, sessions that outlive a server and are
/// honoured by another server on the database, data-protection keys sealed at rest, revocation, roles, antiforgery,
/// the diverging panel, unknown record fields, and filters that name what to fix.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConsoleSessionTests : IClassFixture<ApiServerFixture>
{
    private static readonly string SecretsKeyOfTheRun = SecretsKey.NewBase64();
    private readonly ApiServer _server;
    private readonly TestDatabase _database;

    public ConsoleSessionTests(ApiServerFixture api)
    {
        (_server, _database) = (api.Server, api.Database);
        var options = _server.Services.GetRequiredService<WebhookOptions>();
        options.SecretsKey ??= SecretsKeyOfTheRun;
    }

    private async Task<(string Id, string Key)> KeyAsync(string role, string? source = null, string? name = null)
    {
        var response = await _server.Admin.PostAsJsonAsync("/v1/keys", new { role, source, name });
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
    }

    [Fact]
    public async Task Given_a_sign_in_then_the_session_cookie_is_http_only_same_site_strict_and_holds_no_key()
    {
        var (_, key) = await KeyAsync("auditor", name: "ann");
        using var client = ConsoleHttp.Client(_server.BaseAddress);

        var response = await ConsoleHttp.SignInAsync(client, key);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console", new Uri(_server.BaseAddress, response.Headers.Location!).AbsolutePath);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("reconciler_console=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/console", cookie, StringComparison.OrdinalIgnoreCase);
        // The whole secret (after the key id; base64url, so it may itself hold '_').
        Assert.DoesNotContain(key[(key.IndexOf('_', 3) + 1)..], cookie, StringComparison.Ordinal);
        var page = await client.GetStringAsync("/console");
        Assert.Contains("data-testid=\"identity\">ann<", page, StringComparison.Ordinal);
        Assert.DoesNotContain(key, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_session_when_another_server_on_the_database_serves_it_then_it_is_signed_in_and_the_stored_keys_are_sealed()
    {
        var (_, key) = await KeyAsync("auditor", name: "ann-elsewhere");
        var cookies = new CookieContainer();
        using var first = await ConsoleHttp.SignedInAsync(_server.BaseAddress, key, cookies);

        // A second server on the same database (as after a restart, or behind a load balancer) reads the same key ring.
        await using var second = await ApiServer.StartAsync(_database, runDeadlineWorker: false);
        second.Services.GetRequiredService<WebhookOptions>().SecretsKey = SecretsKeyOfTheRun;
        using var other = ConsoleHttp.Client(second.BaseAddress, cookies);
        var response = await other.GetAsync("/console");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(">ann-elsewhere<", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var command = _database.DataSource.CreateCommand("SELECT xml FROM data_protection_keys");
        await using var reader = await command.ExecuteReaderAsync();
        var stored = new List<string>();
        while (await reader.ReadAsync())
        {
            stored.Add(reader.GetString(0));
        }
        Assert.NotEmpty(stored);
        Assert.All(stored, xml =>
        {
            Assert.Contains("<sealedKey secretsKeyId=", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("masterKey", xml, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Given_a_revoked_key_then_its_console_session_ends()
    {
        var (id, key) = await KeyAsync("resolver", name: "rob-leaving");
        using var client = await ConsoleHttp.SignedInAsync(_server.BaseAddress, key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await _server.Admin.DeleteAsync($"/v1/keys/{id}")).StatusCode);
        var response = await client.GetAsync("/console");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console/sign-in", new Uri(_server.BaseAddress, response.Headers.Location!).AbsolutePath);
    }

    [Theory]
    [InlineData("/console")]
    [InlineData("/console/conflicts.csv?kind=missing")]
    [InlineData("/console/feed/stream")]
    [InlineData("/console/reports")]
    [InlineData("/console/operations/order-1")]
    public async Task Given_no_session_then_every_console_page_sends_the_browser_to_sign_in(string path)
    {
        using var client = ConsoleHttp.Client(_server.BaseAddress);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/console/sign-in?ReturnUrl=", response.Headers.Location?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_an_auditor_then_subscriptions_are_forbidden_and_an_api_key_header_opens_nothing()
    {
        var (_, key) = await KeyAsync("auditor");
        using var client = await ConsoleHttp.SignedInAsync(_server.BaseAddress, key);
        var response = await client.GetAsync("/console/subscriptions");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/console/forbidden", response.Headers.Location?.ToString(), StringComparison.Ordinal);

        // The console knows only its session: a bearer key is the API's way in, not the console's.
        using var bearer = ConsoleHttp.Client(_server.BaseAddress);
        bearer.DefaultRequestHeaders.Authorization = new("Bearer", ApiServer.AdminSecret);
        Assert.Equal(HttpStatusCode.Redirect, (await bearer.GetAsync("/console/subscriptions")).StatusCode);
    }

    [Theory]
    [InlineData("source", "A source key cannot sign in")]
    [InlineData(null, "unknown or revoked")]
    public async Task Given_a_source_key_or_an_unknown_key_then_sign_in_is_refused(string? role, string refusal)
    {
        var key = role is null ? "rk_0000000000000000_nothing" : (await KeyAsync(role, source: "crm")).Key;
        using var client = ConsoleHttp.Client(_server.BaseAddress);

        var response = await ConsoleHttp.SignInAsync(client, key);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(refusal, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("reconciler_console=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Given_a_sign_out_without_its_antiforgery_token_then_it_is_refused_and_the_session_stays()
    {
        var (_, key) = await KeyAsync("auditor");
        using var client = await ConsoleHttp.SignedInAsync(_server.BaseAddress, key);

        var forged = await client.PostAsync("/console/sign-out", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console")).StatusCode);

        var token = ConsoleHttp.AntiforgeryToken(await client.GetStringAsync("/console"));
        var signedOut = await client.PostAsync("/console/sign-out", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/console")).StatusCode);
    }

    [Fact]
    public async Task Given_a_signed_in_auditor_when_every_kind_of_page_loads_then_antiforgery_logs_no_warning()
    {
        await _server.PutPolicyAsync(TestPolicies.Order(type: "console-logs"));
        var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        await ApiCalls.SendOneAsync(gateway, "logs-1", "pgw-logs-1", "payment", "captured", "console-logs");
        var conflictId = (await ApiCalls.SendOneAsync(gateway, "logs-1", "pgw-logs-1", "payment", "captured", "console-logs")).Single();
        var (_, key) = await KeyAsync("auditor", name: "ann-logs");
        var logs = new CapturedLogs();
        await using var server = await ApiServer.StartAsync(_database, runDeadlineWorker: false,
            addServices: services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        server.Services.GetRequiredService<WebhookOptions>().SecretsKey = SecretsKeyOfTheRun;

        using var client = await ConsoleHttp.SignedInAsync(server.BaseAddress, key);
        foreach (var path in new[] { "/console", "/console/reports", $"/console/conflicts/{conflictId}", "/console/operations/logs-1", "/console/sign-in" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.CacheControl is { NoStore: true, NoCache: true }, $"{path}: Cache-Control {response.Headers.CacheControl}");
        }

        // Antiforgery ran on these pages and logs through the captured provider, and said nothing at warning level or above.
        Assert.Contains(logs.Categories, c => c.StartsWith("Microsoft.AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore.Antiforgery", StringComparison.Ordinal)
            && e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task Given_sources_disagreeing_inside_their_grace_window_then_the_queue_shows_the_operation_apart_from_conflicts()
    {
        await _server.PutPolicyAsync(TestPolicies.Order(graceSeconds: 600, type: "console-slow"));
        var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        var erp = await _server.ClientWithRoleAsync("source", source: "erp");
        await ApiCalls.SendOneAsync(gateway, "slow-1", "pgw-slow-1", "payment", "captured", "console-slow");
        await ApiCalls.SendOneAsync(erp, "slow-1", "erp-slow-1", "payment", "authorized", "console-slow");
        var (_, key) = await KeyAsync("auditor");
        using var client = await ConsoleHttp.SignedInAsync(_server.BaseAddress, key);

        var page = await client.GetStringAsync("/console?operationType=console-slow");

        var diverging = page[page.IndexOf("data-testid=\"diverging\"", StringComparison.Ordinal)..];
        Assert.Contains("/console/operations/slow-1", diverging, StringComparison.Ordinal);
        Assert.Contains("0 matching records", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_record_with_a_field_the_console_does_not_know_then_its_page_shows_the_field()
    {
        await _server.PutPolicyAsync(TestPolicies.Order(type: "console-fields"));
        var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        await ApiCalls.SendOneAsync(gateway, "fields-1", "pgw-fields-1", "payment", "captured", "console-fields");
        var conflictId = (await ApiCalls.SendOneAsync(gateway, "fields-1", "pgw-fields-1", "payment", "captured", "console-fields")).Single();
        // As a later version of the engine may write it (a conflict's differences, say).
        await using (var update = _database.DataSource.CreateCommand(
            """UPDATE conflicts SET record = record || '{"differences": [{"field": "amount", "left": "129.90", "right": "120.00"}]}' WHERE conflict_id = $1"""))
        {
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = conflictId });
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }
        var (_, key) = await KeyAsync("auditor");
        using var client = await ConsoleHttp.SignedInAsync(_server.BaseAddress, key);

        var page = await client.GetStringAsync($"/console/conflicts/{conflictId}");

        var field = page[page.IndexOf("data-field=\"differences\"", StringComparison.Ordinal)..];
        Assert.Contains("amount", field, StringComparison.Ordinal);
        Assert.Contains("129.90", field, StringComparison.Ordinal);
        Assert.Contains("120.00", field, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/console?from=yesterday", "from")]
    [InlineData("/console?status=closed", "status")]
    [InlineData("/console?cursor=nonsense", "cursor")]
    [InlineData("/console/reports?to=2026-13-45", "to")]
    public async Task Given_values_the_console_cannot_use_then_the_page_says_which_field_and_answers_400(string path, string field)
    {
        var (_, key) = await KeyAsync("auditor");
        using var client = await ConsoleHttp.SignedInAsync(_server.BaseAddress, key);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"<code>{field}</code>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/console/operations/order-none", "No such operation")]
    [InlineData("/console/operations/order-none?version=x", "No such operation")]
    [InlineData("/console/conflicts/cf-none", "No such conflict")]
    [InlineData("/console/no-such-page", "The console has no page at")]
    public async Task Given_something_that_does_not_exist_then_the_console_answers_404_with_a_page_of_its_own(string path, string says)
    {
        var (_, key) = await KeyAsync("auditor");
        using var client = await ConsoleHttp.SignedInAsync(_server.BaseAddress, key);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains(says, html, StringComparison.Ordinal);
        Assert.Contains("href=\"/console\"", html, StringComparison.Ordinal);
    }
}
