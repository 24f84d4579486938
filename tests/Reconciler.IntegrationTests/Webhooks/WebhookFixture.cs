using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Reconciler.IntegrationTests.Api;
using Reconciler.Webhooks;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary>
/// One database and one in-process server per test class, with private webhook targets allowed (the receivers
/// listen on 127.0.0.1) and a secrets key of its own. Each test uses its own operation type and subscription
/// names, and deletes its subscriptions, so the tests of a class do not see each other's deliveries.
/// </summary>
public class WebhookFixture : IAsyncLifetime
{
    private TestDatabase? _database;
    private ApiServer? _server;
    private readonly Dictionary<string, HttpClient> _sources = [];

    public ApiServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");
    public TestDatabase Database => _database ?? throw new InvalidOperationException("The fixture is not initialized.");
    public HttpClient Admin => Server.Admin;

    /// <summary>False in a fixture that checks the refusal of private targets.</summary>
    protected virtual bool AllowPrivateTargets => true;

    public async Task InitializeAsync()
    {
        var postgres = new PostgresFixture();
        await postgres.InitializeAsync();
        _database = await postgres.CreateDatabaseAsync("webhooks");
        _server = await ApiServer.StartAsync(_database);
        var options = _server.Services.GetRequiredService<WebhookOptions>();
        options.AllowPrivateTargets = AllowPrivateTargets;
        options.SecretsKey = SecretsKey.NewBase64();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    /// <summary>A source key's client, made once per source.</summary>
    public async Task<HttpClient> SourceAsync(string source)
    {
        if (!_sources.TryGetValue(source, out var client))
        {
            _sources[source] = client = await Server.ClientWithRoleAsync("source", source: source);
        }
        return client;
    }

    /// <summary>Sends one signal as its facet's owner (the order policy of TestPolicies) and returns its result.</summary>
    public async Task<JsonElement> SendAsync(string type, string operationId, string signalId, string facet, string state)
    {
        var source = facet switch
        {
            "payment" => "payment-gateway",
            "inventory" => "warehouse",
            "ledger" => "erp",
            "journey" => "crm",
            _ => "email",
        };
        var results = await ApiCalls.SendAsync(await SourceAsync(source), ApiCalls.Signal(operationId, signalId, facet, state, type));
        return results[0];
    }

    /// <summary>Creates a subscription; returns the 201 body (with the generated secret when none was given).</summary>
    public async Task<JsonElement> CreateAsync(object body)
    {
        var response = await Admin.PostAsJsonAsync("/v1/subscriptions", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /v1/subscriptions: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetAsync(string name) => await ApiCalls.GetJsonAsync(Admin, $"/v1/subscriptions/{name}");

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendJsonAsync(HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, path) { Content = json is null ? null : ApiServer.Json(json) };
        using var response = await Admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public Task DeleteAsync(string name) => Admin.DeleteAsync($"/v1/subscriptions/{name}");

    /// <summary>Polls the subscription until <paramref name="condition"/> holds.</summary>
    public async Task<JsonElement> WaitForAsync(string name, Func<JsonElement, bool> condition, string what, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var view = await GetAsync(name);
            if (condition(view))
            {
                return view;
            }
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"timed out waiting for {what}: {view}");
            }
            await Task.Delay(50);
        }
    }
}

/// <summary>The same without --allow-private-webhooks: loopback and private targets are refused.</summary>
public sealed class StrictWebhookFixture : WebhookFixture
{
    protected override bool AllowPrivateTargets => false;
}
