using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Reconciler.Testing;
using Xunit.Abstractions;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary>
/// Delivery is durable: the real `reconciler serve` process (embedded PostgreSQL, secrets key file in its data
/// folder) is killed with SIGKILL while it delivers to a slow receiver, then restarted on the same folder; every
/// feed item that matches the subscription arrives at least once, and an item that arrives twice carries the
/// same webhook-id both times.
/// </summary>
public sealed class WebhookKillTests(ITestOutputHelper output) : IDisposable
{
    private const string AdminKey = "webhook-kill-admin";
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"reconciler-whkill-{Guid.NewGuid():N}"[..31]);

    [Fact]
    public async Task Given_deliveries_in_progress_when_the_server_is_killed_and_restarted_then_every_item_arrives_at_least_once_with_one_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(40);
        var acknowledged = new ConcurrentBag<string>();
        string secret;
        int receivedAtKill;
        await using (var server = await StartAsync())
        {
            using var admin = Client(server, AdminKey);
            (await admin.PutAsync("/v1/policies/order", Api.ApiServer.Json(Api.TestPolicies.Order()))).EnsureSuccessStatusCode();
            var key = await (await admin.PostAsJsonAsync("/v1/keys", new { role = "source", source = "payment-gateway" })).Content.ReadFromJsonAsync<JsonElement>();
            var created = await admin.PostAsJsonAsync("/v1/subscriptions", new { name = "kill", url = receiver.Url, types = new[] { "SignalReceived" } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            secret = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;

            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, 4).Select(c => SendUntilStoppedAsync(server, key.GetProperty("key").GetString()!, c, acknowledged, stop.Token)).ToList();
            await receiver.WaitForAsync(r => r.Count >= 20, "deliveries under way", TimeSpan.FromSeconds(30));
            await Task.Delay(500);
            await server.KillAsync();
            receivedAtKill = receiver.Requests.Count;
            await stop.CancelAsync();
            await Task.WhenAll(clients);
        }
        Assert.True(receivedAtKill < acknowledged.Count, $"the kill came while deliveries were behind ({receivedAtKill} of {acknowledged.Count})");

        receiver.Delay = TimeSpan.Zero;
        await using var restarted = await StartAsync();
        using var auditor = Client(restarted, AdminKey);
        var feed = new List<JsonElement>();
        for (var after = ""; ;)
        {
            var page = await auditor.GetFromJsonAsync<JsonElement>($"/v1/feed?types=SignalReceived&limit=1000&after={after}");
            feed.AddRange(page.GetProperty("items").EnumerateArray());
            after = page.GetProperty("next").GetString()!;
            if (page.GetProperty("items").GetArrayLength() == 0)
            {
                break;
            }
        }
        var eventIds = feed.Select(i => i.GetProperty("eventId").GetString()!).ToHashSet();
        Assert.Superset(acknowledged.ToHashSet(), feed.Select(i => i.GetProperty("data").GetProperty("signalId").GetString()!).ToHashSet());

        var received = await receiver.WaitForAsync(r => eventIds.IsSubsetOf(r.Where(x => x.Succeeded).Select(x => x.WebhookId)), $"all {eventIds.Count} items", TimeSpan.FromSeconds(60));

        var bySignal = received.GroupBy(r => r.Item.GetProperty("data").GetProperty("signalId").GetString()).ToList();
        Assert.All(bySignal, g => Assert.Single(g.Select(r => r.WebhookId).Distinct()));
        Assert.All(received, r => Signatures.AssertValid(r, secret));
        output.WriteLine($"{acknowledged.Count} signals acknowledged, {eventIds.Count} items in the feed, {receivedAtKill} requests before the kill, "
            + $"{received.Count} in all ({received.Count - received.Select(r => r.WebhookId).Distinct().Count()} repeated)");
    }

    private static async Task SendUntilStoppedAsync(ServerProcess server, string key, int client, ConcurrentBag<string> acknowledged, CancellationToken stop)
    {
        using var http = Client(server, key);
        for (var batch = 0; !stop.IsCancellationRequested; batch++)
        {
            var signals = Enumerable.Range(0, 5).Select(i => new
            {
                operationId = $"whkill-{client}-{(batch * 5 + i) % 30}",
                operationType = "order",
                signalId = $"c{client}-b{batch}-{i}",
                facet = "payment",
                state = "authorized",
            }).ToList();
            try
            {
                var response = await http.PostAsJsonAsync("/v1/signals", new { signals }, CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    signals.ForEach(s => acknowledged.Add(s.signalId));
                }
                await Task.Delay(20, CancellationToken.None);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return;
            }
        }
    }

    /// <summary>The real executable on the embedded PostgreSQL of the test's data folder; the secrets key file is made there.</summary>
    private Task<ServerProcess> StartAsync() => ServerProcess.StartAsync(
        ["--data-dir", _dataDir],
        new Dictionary<string, string>
        {
            ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = AdminKey,
            ["RECONCILER_CONNECTION"] = "",
            ["RECONCILER_SECRETS_KEY"] = "",
            ["RECONCILER_ALLOW_PRIVATE_WEBHOOKS"] = "true",
        },
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
