using System.Text.Json;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary>
/// Deliveries to real receivers on 127.0.0.1: both signatures check out with an independent verifier, items of
/// an operation arrive in commit order, filters apply before sending, history is delivered on request, and a
/// rotated secret signs alongside the old one.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WebhookDeliveryTests(WebhookFixture fixture) : IClassFixture<WebhookFixture>
{
    private static List<string> Ids(IEnumerable<WebhookReceiver.Request> requests) => requests.Select(r => r.WebhookId).ToList();

    [Fact]
    public async Task Given_a_seed_story_when_delivered_then_both_signatures_verify_and_each_operation_arrives_in_commit_order()
    {
        const string type = "wh-story";
        await fixture.Server.PutPolicyAsync(TestPolicies.Order(type: type));
        await using var receiver = await WebhookReceiver.StartAsync();
        var created = await fixture.CreateAsync(new { name = "story", url = receiver.Url, operationTypes = new[] { type } });
        var secret = created.GetProperty("secret").GetString()!;
        try
        {
            // Four operations told at once: three succeed (one captures twice: a duplicate), one fails.
            var stories = new Dictionary<string, (string Facet, string State)[]>
            {
                ["wh-story-1"] = [("payment", "authorized"), ("payment", "captured"), ("inventory", "reserved"), ("ledger", "recorded")],
                ["wh-story-2"] = [("payment", "authorized"), ("payment", "declined")],
                ["wh-story-3"] = [("payment", "captured"), ("payment", "captured"), ("ledger", "recorded"), ("inventory", "shipped")],
                ["wh-story-4"] = [("journey", "abandoned-cart"), ("payment", "captured"), ("inventory", "reserved"), ("ledger", "recorded")],
            };
            await Task.WhenAll(stories.Select(async story =>
            {
                for (var i = 0; i < story.Value.Length; i++)
                {
                    await fixture.SendAsync(type, story.Key, $"{story.Key}-s{i}", story.Value[i].Facet, story.Value[i].State);
                }
            }));
            var feed = new List<(string Operation, JsonElement Event)>();
            foreach (var operation in stories.Keys)
            {
                feed.AddRange((await ApiCalls.GetJsonAsync(fixture.Admin, $"/v1/operations/{operation}/events")).EnumerateArray().Select(e => (operation, e)));
            }
            var outcomes = feed.Count(e => e.Event.GetProperty("type").GetString() == "OutcomeDeclared");
            Assert.Equal(4, outcomes);

            var received = await receiver.WaitForAsync(r => r.Select(x => x.WebhookId).Distinct().Count() >= feed.Count, $"{feed.Count} items");

            Assert.All(received, r => Signatures.AssertValid(r, secret));
            Assert.All(received, r => Assert.Equal("application/json", r.ContentType));
            Assert.Equal(outcomes, received.Count(r => r.Type == "OutcomeDeclared"));
            foreach (var operation in stories.Keys)
            {
                var committed = feed.Where(e => e.Operation == operation)
                    .OrderBy(e => e.Event.GetProperty("version").GetInt64()).Select(e => "evt-" + e.Event.GetProperty("position").GetInt64()).ToList();
                Assert.Equal(committed, Ids(received.Where(r => r.OperationId == operation)));
            }
            // The body is the feed item, as GET /v1/feed shows it; the webhook-id is its eventId.
            var page = await ApiCalls.GetJsonAsync(fixture.Admin, "/v1/feed?types=OutcomeDeclared&limit=1000");
            var fromFeed = page.GetProperty("items").EnumerateArray().First(i => i.GetProperty("operationId").GetString() == "wh-story-1");
            var delivered = received.Single(r => r.WebhookId == fromFeed.GetProperty("eventId").GetString());
            Assert.Equal(fromFeed.GetRawText(), delivered.Item.GetRawText());
            var view = await fixture.WaitForAsync("story", v => v.GetProperty("delivered").GetInt64() == feed.Count, "the delivered count");
            Assert.Equal(0, view.GetProperty("lag").GetProperty("events").GetInt64());
        }
        finally
        {
            await fixture.DeleteAsync("story");
        }
    }
}
