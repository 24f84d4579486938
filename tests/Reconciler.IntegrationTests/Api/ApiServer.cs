using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Reconciler.Auth;
using Reconciler.Cluster;
using Reconciler.Hosting;
using Reconciler.Store.Replicas;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// The real HTTP pipeline on Kestrel at 127.0.0.1 (a free port) over a test class's own database.
/// <see cref="Admin"/> carries the bootstrap admin key; <see cref="ClientFor"/> makes clients for other keys.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    public const string AdminSecret = "test-bootstrap-admin-secret";

    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private ApiServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Admin = ClientFor(AdminSecret);
        Anonymous = ClientFor(null);
    }

    public Uri BaseAddress { get; }
    public HttpClient Admin { get; }
    public HttpClient Anonymous { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<ApiServer> StartAsync(
        TestDatabase database, bool runDeadlineWorker = true, string? nodeName = null, Action<IServiceCollection>? addServices = null,
        ReplicaOptions? replicas = null)
    {
        // Each in-process server is its own node, so that two on one database never share a name.
        var node = NodeIdentity.Create(nodeName ?? $"test-{Guid.NewGuid():N}"[..13]);
        var app = ReconcilerApp.Build(database.DataSource, ["http://127.0.0.1:0"], runDeadlineWorker, node, addServices, replicas);
        await app.Services.GetRequiredService<KeyStore>().EnsureBootstrapAdminAsync(AdminSecret, CancellationToken.None);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ApiServer(app, new Uri(address));
    }

    public HttpClient ClientFor(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        _clients.Add(client);
        return client;
    }

    /// <summary>Creates a key through the API and returns a client that uses it.</summary>
    public async Task<HttpClient> ClientWithRoleAsync(string role, string? source = null, string? name = null)
    {
        var response = await Admin.PostAsJsonAsync("/v1/keys", new { role, source, name });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return ClientFor(created.GetProperty("key").GetString());
    }

    public async Task PutPolicyAsync(string policyJson)
    {
        using var document = JsonDocument.Parse(policyJson);
        var type = document.RootElement.GetProperty("operationType").GetString();
        var response = await Admin.PutAsync($"/v1/policies/{type}", new StringContent(policyJson, Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT policy {type}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
