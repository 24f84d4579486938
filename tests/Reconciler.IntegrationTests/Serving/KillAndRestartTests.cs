using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using Reconciler.Testing;

namespace Reconciler.IntegrationTests.Serving;

/// <summary>
/// Acknowledged data is never lost: the real `reconciler serve` process on its embedded PostgreSQL is
/// killed with SIGKILL mid-load three times and restarted on the same data folder; every signal whose
/// request got a 200 is in the store exactly once.
/// </summary>
public sealed class KillAndRestartTests : IDisposable
{
    private const int Operations = 40;
    private const string AdminKey = "process-test-admin";
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"reconciler-kill-{Guid.NewGuid():N}"[..29]);

    [Fact]
    public async Task Given_load_from_4_clients_when_the_server_is_killed_3_times_then_every_acknowledged_signal_is_stored_exactly_once()
    {
        var acknowledged = new ConcurrentBag<(string OperationId, string SignalId)>();
        var sourceKey = "";
        for (var round = 0; round < 3; round++)
        {
            await using var server = await StartAsync();
            using var admin = Client(server, AdminKey);
            if (round == 0)
            {
                (await admin.PutAsync("/v1/policies/order", new StringContent(Api.TestPolicies.Order(), System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
                var key = await (await admin.PostAsJsonAsync("/v1/keys", new { role = "source", source = "payment-gateway" })).Content.ReadFromJsonAsync<JsonElement>();
                sourceKey = key.GetProperty("key").GetString()!;
            }
            using var stop = new CancellationTokenSource();
            var started = acknowledged.Count;
            var clients = Enumerable.Range(0, 4).Select(c => SendUntilStoppedAsync(server, sourceKey, round, c, acknowledged, stop.Token)).ToList();
            // Kill mid-load: once the load is flowing (a busy machine may take a while to warm up), then a little later.
            await ApiCalls.EventuallyAsync(() => Task.FromResult(acknowledged.Count), n => n >= started + 40, TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            var before = acknowledged.Count;
            await server.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(clients);
            Assert.True(acknowledged.Count > before - 1 && before > 0, $"round {round}: the load was acknowledged before the kill ({before})\n{server.Output}");
        }

        await using var final = await StartAsync();
        using var auditor = Client(final, AdminKey);
        var stored = new Dictionary<string, int>();
        for (var op = 0; op < Operations; op++)
        {
            var response = await auditor.GetAsync($"/v1/operations/kill-{op}/events");
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                continue;
            }
            foreach (var e in (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray())
            {
                if (e.GetProperty("type").GetString() == "SignalReceived")
                {
                    var id = e.GetProperty("data").GetProperty("signalId").GetString()!;
                    stored[id] = stored.GetValueOrDefault(id) + 1;
                }
            }
        }
        var missing = acknowledged.Where(a => !stored.ContainsKey(a.SignalId)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged signals are missing, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.All(stored, s => Assert.Equal(1, s.Value));
        Assert.True(acknowledged.Count >= 12, $"only {acknowledged.Count} signals were acknowledged");
    }

    private static async Task SendUntilStoppedAsync(ServerProcess server, string key, int round, int client, ConcurrentBag<(string, string)> acknowledged, CancellationToken stop)
    {
        using var http = Client(server, key);
        for (var batch = 0; !stop.IsCancellationRequested; batch++)
        {
            var signals = Enumerable.Range(0, 10).Select(i => new
            {
                operationId = $"kill-{(batch * 10 + i + client) % Operations}",
                operationType = "order",
                signalId = $"r{round}-c{client}-b{batch}-{i}",
                facet = "payment",
                state = "authorized",
            }).ToList();
            try
            {
                var response = await http.PostAsJsonAsync("/v1/signals", new { signals }, CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    foreach (var s in signals)
                    {
                        acknowledged.Add((s.operationId, s.signalId));
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return; // the server is gone: what it did not acknowledge may or may not be stored
            }
        }
    }

    /// <summary>The real executable on the embedded PostgreSQL of the test's data folder.</summary>
    private Task<ServerProcess> StartAsync() => ServerProcess.StartAsync(
        ["--data-dir", _dataDir],
        new Dictionary<string, string> { ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = AdminKey, ["RECONCILER_CONNECTION"] = "" },
        TimeSpan.FromSeconds(90));

    private static HttpClient Client(ServerProcess server, string key)
    {
        var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public void Dispose()
    {
        try
        {
            // The cluster belongs to the postgres user when the tests run as root; it is stopped by now.
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
