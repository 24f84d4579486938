using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using Reconciler.Testing;

namespace Reconciler.IntegrationTests.Cluster;

/// <summary>
/// Several real `reconciler serve` processes on one test database (<c>--connection</c>), each with its own
/// <c>--node</c> name, sharing the admin key and the webhook secrets key as a real deployment must.
/// Nodes can be killed (SIGKILL), frozen (SIGSTOP) and thawed (SIGCONT).
/// </summary>
public sealed class ServerCluster(TestDatabase database) : IAsyncDisposable
{
    public const string AdminKey = "cluster-test-admin";
    private static readonly string SecretsKey = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i * 7 + 1)).ToArray());
    private readonly Dictionary<string, ServerProcess> _nodes = [];
    private readonly List<HttpClient> _clients = [];

    public IReadOnlyDictionary<string, ServerProcess> Nodes => _nodes;

    public static async Task<ServerCluster> StartAsync(TestDatabase database, params string[] names)
    {
        var cluster = new ServerCluster(database);
        try
        {
            foreach (var name in names)
            {
                await cluster.StartNodeAsync(name);
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync(); // the nodes already started must not outlive the test
            throw;
        }
    }

    public async Task<ServerProcess> StartNodeAsync(string name)
    {
        var node = await ServerProcess.StartAsync(
            ["--connection", database.ConnectionString, "--node", name],
            new Dictionary<string, string>
            {
                ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = AdminKey,
                ["RECONCILER_SECRETS_KEY"] = SecretsKey,
                ["RECONCILER_ALLOW_PRIVATE_WEBHOOKS"] = "true",
            },
            TimeSpan.FromSeconds(90));
        _nodes[name] = node;
        return node;
    }

    public HttpClient Client(string node, string key = AdminKey)
    {
        var client = new HttpClient { BaseAddress = _nodes[node].Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        _clients.Add(client);
        return client;
    }

    /// <summary>SIGKILL: the node dies without a word, its leases left to expire.</summary>
    public async Task KillAsync(string node)
    {
        await _nodes[node].KillAsync();
        await _nodes[node].DisposeAsync();
        _nodes.Remove(node);
    }

    /// <summary>SIGTERM: a clean stop; returns the exit code.</summary>
    public async Task<int> TerminateAsync(string node)
    {
        var code = await _nodes[node].TerminateAsync(TimeSpan.FromSeconds(30));
        await _nodes[node].DisposeAsync();
        _nodes.Remove(node);
        return code;
    }

    /// <summary>SIGSTOP: the process freezes (as in a long GC pause or a stalled VM) with its connections open.</summary>
    public Task FreezeAsync(string node) => SignalAsync(node, "-STOP");

    public Task ThawAsync(string node) => SignalAsync(node, "-CONT");

    /// <summary>GET /v1/cluster, asked of <paramref name="via"/>.</summary>
    public async Task<JsonElement> ClusterAsync(string via) => await Client(via).GetFromJsonAsync<JsonElement>("/v1/cluster");

    /// <summary>The node holding <paramref name="lease"/> now (status held), or null.</summary>
    public async Task<string?> HolderAsync(string lease, string via) =>
        (await ClusterAsync(via)).GetProperty("leases").EnumerateArray()
            .Where(l => l.GetProperty("name").GetString() == lease && l.GetProperty("status").GetString() == "held")
            .Select(l => l.GetProperty("holder").GetString()).FirstOrDefault();

    /// <summary>Waits until some node holds <paramref name="lease"/>; returns it.</summary>
    public async Task<string> WaitForHolderAsync(string lease, string via, Func<string, bool>? accept = null, TimeSpan? timeout = null)
    {
        string? holder = null;
        bool Accepted(string? h) => h is not null && (accept?.Invoke(h) ?? true);
        await ApiCalls.EventuallyAsync(async () => holder = await HolderAsync(lease, via), Accepted, timeout ?? TimeSpan.FromSeconds(30));
        Assert.True(Accepted(holder), $"lease {lease}: holder {holder ?? "none"}\n{(await ClusterAsync(via)).GetRawText()}");
        return holder!;
    }

    /// <summary>The node's /healthz; a failure carries the answer and the node's output, which say why.</summary>
    public async Task<JsonElement> HealthAsync(string node)
    {
        using var response = await Client(node).GetAsync("/healthz");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{node} /healthz answered {(int)response.StatusCode}: {body}\n{Output(node)}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The node's /healthz, or null while it answers otherwise (a node just thawed may briefly answer 503).</summary>
    public async Task<JsonElement?> HealthOrNullAsync(string node)
    {
        using var response = await Client(node).GetAsync("/healthz");
        return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone() : null;
    }

    public string Output(string node) => _nodes[node].Output;

    private async Task SignalAsync(string node, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [signal, _nodes[node].Pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _clients.ForEach(c => c.Dispose());
        foreach (var name in _nodes.Keys.ToList())
        {
            await SignalAsync(name, "-CONT"); // a frozen process cannot be waited for
            await _nodes[name].DisposeAsync();
        }
        _nodes.Clear();
    }
}
