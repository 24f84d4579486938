using System.Net.Http.Json;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using Reconciler.Store.Projections;

namespace Reconciler.IntegrationTests.Projections;

/// <summary>Traffic for the rebuild tests: the seed stories and a randomized load, over HTTP through the real server.</summary>
public static class ProjectionLoad
{
    public static readonly string[] Sources = ["payment-gateway", "warehouse", "erp", "crm", "email", "rogue"];

    private static readonly (string Facet, string[] States)[] Facets =
    [
        ("payment", ["authorized", "captured", "declined", "refunded", "teleported"]),
        ("inventory", ["reserved", "released", "shipped"]),
        ("ledger", ["recorded", "reversed"]),
        ("journey", ["browsing", "abandoned-cart", "purchased"]),
        ("notification", ["confirmation-sent"]),
        ("mystery", ["unknown-state"]),
    ];

    public static async Task<Dictionary<string, HttpClient>> SourceClientsAsync(ApiServer server)
    {
        var clients = new Dictionary<string, HttpClient>(StringComparer.Ordinal);
        foreach (var source in Sources)
        {
            clients[source] = await server.ClientWithRoleAsync("source", source: source);
        }
        return clients;
    }

    /// <summary>
    /// <paramref name="signals"/> signals in batches of 100, each batch from one random source to random operations
    /// of <paramref name="prefix"/>: random facets and states (some the policy does not name), sequences, effect keys,
    /// redeliveries of whole batches (duplicates) and the same report under a new signal id (retries).
    /// </summary>
    public static async Task SendRandomAsync(Dictionary<string, HttpClient> clients, string prefix, int signals, int operations, int seed, int parallelism = 4)
    {
        var random = new Random(seed);
        var batches = new List<(string Source, string Body)>();
        var sent = 0;
        while (sent < signals)
        {
            var source = Sources[random.Next(Sources.Length)];
            if (batches.Count > 3 && random.Next(10) == 0)
            {
                // A redelivery of an earlier batch of this source, or a retry of it under new signal ids.
                var earlier = batches[random.Next(batches.Count)];
                var body = random.Next(2) == 0 ? earlier.Body : earlier.Body.Replace("\"signalId\":\"", $"\"signalId\":\"retry{sent}-", StringComparison.Ordinal);
                batches.Add((earlier.Source, body));
                sent += 100;
                continue;
            }
            var items = new List<object>();
            for (var i = 0; i < 100; i++)
            {
                var (facet, states) = Facets[random.Next(Facets.Length)];
                items.Add(new
                {
                    operationId = $"{prefix}-{random.Next(operations)}",
                    operationType = "order",
                    signalId = $"{prefix}-{sent + i}",
                    facet,
                    state = states[random.Next(states.Length)],
                    sourceSequence = random.Next(3) == 0 ? null : (long?)random.Next(1, 50),
                    effectKey = facet is "payment" or "notification" ? $"key-{random.Next(3)}" : null,
                });
            }
            batches.Add((source, JsonSerializer.Serialize(new { signals = items })));
            sent += 100;
        }

        using var gate = new SemaphoreSlim(parallelism);
        await Task.WhenAll(batches.Select(async batch =>
        {
            await gate.WaitAsync();
            try
            {
                await ApiCalls.SendAsync(clients[batch.Source], batch.Body);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    /// <summary>The order and subscription seed stories with deadlines of a second, played until their deadlines passed.</summary>
    public static async Task PlaySeedStoriesAsync(ApiServer server, Dictionary<string, HttpClient> clients)
    {
        await server.PutPolicyAsync(TestPolicies.Order(graceSeconds: 1, ledgerWithin: "PT2S", journeyWithin: "PT1S", notificationWithin: "PT1S", type: "order-story"));
        await server.PutPolicyAsync(TestPolicies.Subscription(graceSeconds: 1, within: "PT1S", type: "subscription-story"));
        foreach (var source in new[] { "billing", "entitlement-service", "device" })
        {
            clients[source] = await server.ClientWithRoleAsync("source", source: source);
        }

        async Task Send(string operationId, string type, string source, string signalId, string facet, string state)
        {
            var effectKey = facet switch { "payment" => "txn-9f2", "notification" => "msg-1", _ => null };
            var response = await clients[source].PostAsJsonAsync("/v1/signals", new { operationId, operationType = type, signalId, facet, state, effectKey });
            response.EnsureSuccessStatusCode();
        }

        await Send("seed-order", "order-story", "crm", "crm-1", "journey", "abandoned-cart");
        await Send("seed-order", "order-story", "payment-gateway", "pgw-76", "payment", "authorized");
        await Send("seed-order", "order-story", "payment-gateway", "pgw-77", "payment", "captured");
        await Send("seed-order", "order-story", "payment-gateway", "pgw-77", "payment", "captured");
        await Send("seed-order", "order-story", "payment-gateway", "pgw-78", "payment", "captured");
        await Send("seed-order", "order-story", "warehouse", "wh-1", "inventory", "reserved");
        await Send("seed-order", "order-story", "email", "mail-1", "notification", "confirmation-sent");
        await Send("seed-sub", "subscription-story", "billing", "bill-1", "billing", "paid");
        await Send("seed-sub", "subscription-story", "entitlement-service", "ent-1", "entitlement", "active");
        await Send("seed-sub", "subscription-story", "crm", "crm-s1", "journey", "expired");
        await Send("seed-sub", "subscription-story", "device", "dev-1", "playback", "blocked");

        await ApiCalls.EventuallyAsync(() => OpenCountAsync(server, "seed-order"), n => n == 3);
        await ApiCalls.EventuallyAsync(() => OpenCountAsync(server, "seed-sub"), n => n == 2);
        await Send("seed-order", "order-story", "erp", "erp-1", "ledger", "recorded");
        await Send("seed-sub", "subscription-story", "device", "dev-2", "playback", "allowed");
    }

    private static async Task<int> OpenCountAsync(ApiServer server, string operationId) =>
        (await server.Admin.GetFromJsonAsync<JsonElement>($"/v1/operations/{operationId}")).GetProperty("openConflicts").GetArrayLength();

    public static string Describe(IReadOnlyList<ProjectionDifference> differences) =>
        string.Join("\n", differences.Take(20).Select(d => $"{d.Table} {d.Id}: {d.Problem} [{string.Join(", ", d.Columns)}]"));
}
