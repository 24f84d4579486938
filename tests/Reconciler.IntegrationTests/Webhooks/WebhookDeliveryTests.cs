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

    private static string SignalIdOf(WebhookReceiver.Request request) => request.Item.GetProperty("data").GetProperty("signalId").GetString()!;

    [Fact]
    public async Task Given_history_when_a_subscription_starts_from_start_then_it_gets_the_history_and_one_from_end_only_new_items()
    {
        const string type = "wh-history";
        await fixture.Server.PutPolicyAsync(TestPolicies.Order(type: type));
        for (var i = 0; i < 3; i++)
        {
            await fixture.SendAsync(type, $"wh-history-{i}", $"history-{i}", "payment", "authorized");
        }
        await using var past = await WebhookReceiver.StartAsync();
        await using var future = await WebhookReceiver.StartAsync();
        var filter = new { types = new[] { "SignalReceived" }, operationTypes = new[] { type } };
        await fixture.CreateAsync(new { name = "history-start", url = past.Url, filter.types, filter.operationTypes, from = "start" });
        await fixture.CreateAsync(new { name = "history-end", url = future.Url, filter.types, filter.operationTypes });
        try
        {
            await fixture.SendAsync(type, "wh-history-3", "history-3", "payment", "authorized");

            var all = await past.WaitForAsync(r => r.Count == 4, "the history and the new item");
            var only = await future.WaitForAsync(r => r.Count == 1, "the new item");

            Assert.Equal(["history-0", "history-1", "history-2", "history-3"], all.Select(SignalIdOf).Order(StringComparer.Ordinal));
            Assert.Equal(["history-3"], only.Select(SignalIdOf));
        }
        finally
        {
            await fixture.DeleteAsync("history-start");
            await fixture.DeleteAsync("history-end");
        }
    }

    [Fact]
    public async Task Given_type_and_operation_type_filters_when_events_of_both_kinds_happen_then_only_matching_items_are_sent()
    {
        const string wanted = "wh-filter-a";
        const string other = "wh-filter-b";
        await fixture.Server.PutPolicyAsync(TestPolicies.Order(type: wanted));
        await fixture.Server.PutPolicyAsync(TestPolicies.Order(type: other));
        await using var receiver = await WebhookReceiver.StartAsync();
        await fixture.CreateAsync(new { name = "filtered", url = receiver.Url, types = new[] { "OutcomeDeclared" }, operationTypes = new[] { wanted } });
        try
        {
            foreach (var type in new[] { other, wanted })
            {
                foreach (var (facet, state) in new[] { ("payment", "captured"), ("inventory", "reserved"), ("ledger", "recorded") })
                {
                    await fixture.SendAsync(type, $"{type}-1", $"{type}-{facet}", facet, state);
                }
            }

            var received = await receiver.WaitForAsync(r => r.Count >= 1, "the outcome");
            var view = await fixture.WaitForAsync("filtered", v => v.GetProperty("lag").GetProperty("events").GetInt64() == 0 && v.GetProperty("delivered").GetInt64() == 1, "the checkpoint past everything");
            await Task.Delay(300);

            var item = Assert.Single(receiver.Requests).Item;
            Assert.Equal(("OutcomeDeclared", wanted), (item.GetProperty("type").GetString(), item.GetProperty("operationType").GetString()));
            Assert.Equal(["OutcomeDeclared"], view.GetProperty("types").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal([wanted], view.GetProperty("operationTypes").EnumerateArray().Select(t => t.GetString()));
        }
        finally
        {
            await fixture.DeleteAsync("filtered");
        }
    }

    [Fact]
    public async Task Given_a_subscription_to_finalized_and_retracted_outcomes_when_an_outcome_becomes_final_and_is_taken_back_then_exactly_those_arrive()
    {
        const string type = "wh-final";
        await fixture.Server.PutPolicyAsync(TestPolicies.Payment(finalAfter: "PT1S", type: type));
        await using var receiver = await WebhookReceiver.StartAsync();
        await fixture.CreateAsync(new { name = "final-only", url = receiver.Url, types = new[] { "OutcomeFinalized", "OutcomeRetracted" }, operationTypes = new[] { type } });
        try
        {
            var gateway = await fixture.SourceAsync("payment-gateway");
            var erp = await fixture.SourceAsync("erp");
            string Signal(string id, string facet, string state) =>
                $$"""{ "operationId": "wh-final-1", "operationType": "{{type}}", "signalId": "{{id}}", "facet": "{{facet}}", "state": "{{state}}", "attributes": { "amount": "20.00" } }""";
            await ApiCalls.SendAsync(gateway, Signal("g1", "payment", "captured"));
            await ApiCalls.SendAsync(erp, Signal("e1", "ledger", "recorded"));
            // An integrator acting only on final outcomes: the deadline worker finalizes succeeded after 1 s.
            await receiver.WaitForAsync(r => r.Count >= 1, "the finalized outcome");
            await ApiCalls.SendAsync(gateway, Signal("g2", "payment", "refunded"));

            var received = await receiver.WaitForAsync(r => r.Count >= 2, "the retraction");
            await fixture.WaitForAsync("final-only", v => v.GetProperty("lag").GetProperty("events").GetInt64() == 0, "the checkpoint past everything");

            Assert.Equal(["OutcomeFinalized succeeded", "OutcomeRetracted succeeded"], receiver.Requests.Select(r => $"{r.Type} {r.Item.GetProperty("data").GetProperty("outcome").GetString()}"));
            Assert.Equal("final", receiver.Requests[1].Item.GetProperty("data").GetProperty("finality").GetString());
        }
        finally
        {
            await fixture.DeleteAsync("final-only");
        }
    }

    [Fact]
    public async Task Given_a_new_secret_when_delivering_within_24_hours_then_both_secrets_sign_and_no_answer_shows_either()
    {
        const string type = "wh-rotate";
        await fixture.Server.PutPolicyAsync(TestPolicies.Order(type: type));
        var first = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var second = "whsec_" + Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());
        await using var receiver = await WebhookReceiver.StartAsync();
        var created = await fixture.CreateAsync(new { name = "rotating", url = receiver.Url, secret = first, types = new[] { "SignalReceived" }, operationTypes = new[] { type } });
        try
        {
            Assert.False(created.TryGetProperty("secret", out _), "a given secret is not echoed");
            await fixture.SendAsync(type, "wh-rotate-1", "rotate-0", "payment", "authorized");
            var before = (await receiver.WaitForAsync(r => r.Count == 1, "a delivery before the rotation")).Single();
            Assert.Single(before.Signature.Split(' '));
            Signatures.AssertValid(before, first);

            var (status, changed) = await fixture.SendJsonAsync(HttpMethod.Patch, "/v1/subscriptions/rotating", $$"""{ "secret": "{{second}}" }""");
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            Assert.True(changed.GetProperty("previousSecretUntil").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(23));
            await fixture.SendAsync(type, "wh-rotate-1", "rotate-1", "payment", "captured");
            var after = (await receiver.WaitForAsync(r => r.Count == 2, "a delivery after the rotation"))[1];

            Assert.Equal(2, after.Signature.Split(' ').Length);
            Assert.Equal(2, after.BodySignature.Split(' ').Length);
            Signatures.AssertValid(after, second);
            Signatures.AssertValid(after, first);
            Assert.Equal(Signatures.BodySignature(after.Body, second), after.BodySignature.Split(' ')[0]);
            foreach (var text in new[] { changed.GetRawText(), (await fixture.GetAsync("rotating")).GetRawText(), (await ApiCalls.GetJsonAsync(fixture.Admin, "/v1/subscriptions")).GetRawText() })
            {
                Assert.DoesNotContain("\"secret\"", text);
                Assert.DoesNotContain(first["whsec_".Length..], text);
                Assert.DoesNotContain(second["whsec_".Length..], text);
            }
        }
        finally
        {
            await fixture.DeleteAsync("rotating");
        }
    }
}
