using System.Net;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary>
/// Failures with short retry schedules (the subscription's own retry object): back-off then delivery,
/// Retry-After, parking while other operations flow, redelivery, 410 Gone, pause and resume.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WebhookRetryTests(WebhookFixture fixture) : IClassFixture<WebhookFixture>
{
    private static object Subscription(string name, Uri url, string type, int maxAttempts, string initialDelay, string maxDelay) => new
    {
        name, url, types = new[] { "SignalReceived" }, operationTypes = new[] { type },
        retry = new { maxAttempts, initialDelay, maxDelay },
    };

    private static string SignalIdOf(WebhookReceiver.Request request) => request.Item.GetProperty("data").GetProperty("signalId").GetString()!;

    [Fact]
    public async Task Given_a_receiver_failing_the_first_two_attempts_when_delivering_then_each_item_arrives_after_back_off_in_commit_order()
    {
        const string type = "wh-flaky";
        await fixture.Server.PutPolicyAsync(TestPolicies.Order(type: type));
        await using var receiver = await WebhookReceiver.StartAsync((_, _, attempt) => (attempt <= 2 ? 500 : 204, null));
        await fixture.CreateAsync(Subscription("flaky", receiver.Url, type, 5, "PT0.2S", "PT0.4S"));
        try
        {
            foreach (var (operation, i) in new[] { ("wh-flaky-a", 0), ("wh-flaky-b", 0), ("wh-flaky-a", 1), ("wh-flaky-a", 2), ("wh-flaky-b", 1) })
            {
                await fixture.SendAsync(type, operation, $"{operation}-{i}", "payment", i == 0 ? "authorized" : "captured");
            }

            var requests = await receiver.WaitForAsync(r => r.Count(x => x.Succeeded) == 5, "5 deliveries");

            Assert.All(requests.GroupBy(r => r.WebhookId), attempts =>
            {
                var list = attempts.OrderBy(a => a.Attempt).ToList();
                Assert.Equal([500, 500, 204], list.Select(a => a.Status));
                Assert.True(list[1].ReceivedAt - list[0].ReceivedAt >= TimeSpan.FromMilliseconds(150), "the second attempt waited for the back-off");
            });
            foreach (var operation in new[] { "wh-flaky-a", "wh-flaky-b" })
            {
                var mine = requests.Where(r => r.OperationId == operation).ToList();
                var delivered = mine.Where(r => r.Succeeded).Select(SignalIdOf).ToList();
                Assert.Equal(delivered.Order(StringComparer.Ordinal), delivered);
                // A later item of the operation is first tried only after the earlier one went through.
                for (var k = 1; k < delivered.Count; k++)
                {
                    var previousDone = mine.Single(r => r.Succeeded && SignalIdOf(r) == delivered[k - 1]).ReceivedAt;
                    Assert.True(mine.Where(r => SignalIdOf(r) == delivered[k]).Min(r => r.ReceivedAt) >= previousDone, $"{delivered[k]} waited for {delivered[k - 1]}");
                }
            }
            var view = await fixture.WaitForAsync("flaky", v => v.GetProperty("pending").GetInt64() == 0 && v.GetProperty("delivered").GetInt64() == 5, "the counts");
            Assert.Equal(10, view.GetProperty("failures").GetInt64());
            Assert.Equal(0, view.GetProperty("parked").GetInt64());
            Assert.Contains("500", view.GetProperty("lastError").GetString());
        }
        finally
        {
            await fixture.DeleteAsync("flaky");
        }
    }

    [Fact]
    public async Task Given_a_503_with_retry_after_when_delivering_then_the_next_attempt_waits_that_long()
    {
        const string type = "wh-later";
        await fixture.Server.PutPolicyAsync(TestPolicies.Order(type: type));
        await using var receiver = await WebhookReceiver.StartAsync((_, _, attempt) => attempt == 1 ? (503, "1") : (204, null));
        await fixture.CreateAsync(Subscription("later", receiver.Url, type, 3, "PT0.1S", "PT10S"));
        try
        {
            await fixture.SendAsync(type, "wh-later-1", "wh-later-1-0", "payment", "authorized");

            var requests = await receiver.WaitForAsync(r => r.Any(x => x.Succeeded), "the retry");

            Assert.True(requests[1].ReceivedAt - requests[0].ReceivedAt >= TimeSpan.FromMilliseconds(900), "Retry-After: 1 was honoured");
        }
        finally
        {
            await fixture.DeleteAsync("later");
        }
    }

    [Fact]
    public async Task Given_an_operation_that_always_fails_when_retries_run_out_then_it_is_parked_others_flow_and_redelivery_sends_it_again()
    {
        const string type = "wh-park";
        await fixture.Server.PutPolicyAsync(TestPolicies.Order(type: type));
        var broken = true;
        await using var receiver = await WebhookReceiver.StartAsync((_, item, _) =>
            (broken && item.GetProperty("operationId").GetString() == "wh-park-bad" ? 500 : 204, null));
        await fixture.CreateAsync(Subscription("parking", receiver.Url, type, 3, "PT0.5S", "PT0.5S"));
        try
        {
            await fixture.SendAsync(type, "wh-park-bad", "bad-0", "payment", "authorized");
            await fixture.SendAsync(type, "wh-park-bad", "bad-1", "payment", "captured");
            for (var i = 0; i < 4; i++)
            {
                await fixture.SendAsync(type, $"wh-park-good-{i}", $"good-{i}", "payment", "authorized");
            }

            var view = await fixture.WaitForAsync("parking", v => v.GetProperty("parked").GetInt64() == 2, "two parked deliveries");
            var requests = receiver.Requests;
            var bad0 = requests.Where(r => SignalIdOf(r) == "bad-0").ToList();
            var bad1 = requests.Where(r => SignalIdOf(r) == "bad-1").ToList();
            Assert.Equal(3, bad0.Count);
            Assert.Equal(3, bad1.Count);
            Assert.True(bad1.Min(r => r.ReceivedAt) >= bad0.Max(r => r.ReceivedAt), "bad-1 was held behind bad-0 until it was parked");
            var good = requests.Where(r => r.OperationId.StartsWith("wh-park-good-", StringComparison.Ordinal)).ToList();
            Assert.Equal(4, good.Count(r => r.Succeeded));
            Assert.True(good.Max(r => r.ReceivedAt) < bad0.Max(r => r.ReceivedAt), "other operations were delivered while bad-0 was retried");

            var parked = (await ApiCalls.GetJsonAsync(fixture.Admin, "/v1/subscriptions/parking/parked")).GetProperty("items").EnumerateArray().ToList();
            Assert.Equal([bad0[0].WebhookId, bad1[0].WebhookId], parked.Select(p => p.GetProperty("eventId").GetString()));
            Assert.All(parked, p =>
            {
                Assert.Equal(3, p.GetProperty("attempts").GetInt32());
                Assert.Equal(500, p.GetProperty("lastStatus").GetInt32());
                Assert.Contains("500", p.GetProperty("lastError").GetString());
                Assert.Equal("wh-park-bad", p.GetProperty("item").GetProperty("operationId").GetString());
                Assert.True(p.TryGetProperty("parkedAt", out _));
            });
            Assert.Equal(2, view.GetProperty("parked").GetInt64());

            broken = false;
            var (status, body) = await fixture.SendJsonAsync(HttpMethod.Post, "/v1/subscriptions/parking/parked/redeliver", $$"""{ "eventIds": ["{{bad0[0].WebhookId}}"] }""");
            Assert.Equal(HttpStatusCode.Accepted, status);
            Assert.Equal(1, body.GetProperty("redelivered").GetInt32());
            await receiver.WaitForAsync(r => r.Any(x => x.Succeeded && SignalIdOf(x) == "bad-0"), "bad-0 redelivered");
            await fixture.WaitForAsync("parking", v => v.GetProperty("parked").GetInt64() == 1, "one parked left");

            (status, body) = await fixture.SendJsonAsync(HttpMethod.Post, "/v1/subscriptions/parking/parked/redeliver", null);
            Assert.Equal(HttpStatusCode.Accepted, status);
            Assert.Equal(1, body.GetProperty("redelivered").GetInt32());
            var all = await receiver.WaitForAsync(r => r.Any(x => x.Succeeded && SignalIdOf(x) == "bad-1"), "bad-1 redelivered");
            Assert.Equal(bad1[0].WebhookId, all.Last(r => SignalIdOf(r) == "bad-1").WebhookId);
            view = await fixture.WaitForAsync("parking", v => v.GetProperty("parked").GetInt64() == 0 && v.GetProperty("pending").GetInt64() == 0, "nothing parked");
            Assert.Equal(6, view.GetProperty("delivered").GetInt64());
        }
        finally
        {
            await fixture.DeleteAsync("parking");
        }
    }

    [Fact]
    public async Task Given_a_410_gone_when_delivering_then_the_subscription_is_disabled_and_resuming_delivers_the_item()
    {
        const string type = "wh-gone";
        await fixture.Server.PutPolicyAsync(TestPolicies.Order(type: type));
        var gone = true;
        await using var receiver = await WebhookReceiver.StartAsync((_, _, _) => (gone ? 410 : 204, null));
        await fixture.CreateAsync(Subscription("gone", receiver.Url, type, 8, "PT0.2S", "PT1S"));
        try
        {
            await fixture.SendAsync(type, "wh-gone-1", "wh-gone-1-0", "payment", "authorized");

            var view = await fixture.WaitForAsync("gone", v => v.GetProperty("status").GetString() == "disabled", "the subscription disabled");
            Assert.Contains("410", view.GetProperty("disabledReason").GetString());
            Assert.Contains("410", view.GetProperty("lastError").GetString());
            Assert.Single(receiver.Requests);

            gone = false;
            var (status, body) = await fixture.SendJsonAsync(HttpMethod.Patch, "/v1/subscriptions/gone", """{ "status": "active" }""");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("active", body.GetProperty("status").GetString());
            Assert.False(body.TryGetProperty("disabledReason", out _));
            var requests = await receiver.WaitForAsync(r => r.Any(x => x.Succeeded), "the delivery after resuming");
            Assert.Equal(requests[0].WebhookId, requests.Single(r => r.Succeeded).WebhookId);
        }
        finally
        {
            await fixture.DeleteAsync("gone");
        }
    }

    [Fact]
    public async Task Given_a_paused_subscription_when_events_happen_then_nothing_is_sent_until_it_is_resumed()
    {
        const string type = "wh-pause";
        await fixture.Server.PutPolicyAsync(TestPolicies.Order(type: type));
        await using var receiver = await WebhookReceiver.StartAsync();
        await fixture.CreateAsync(Subscription("pausing", receiver.Url, type, 8, "PT1S", "PT1S"));
        try
        {
            var (status, body) = await fixture.SendJsonAsync(HttpMethod.Patch, "/v1/subscriptions/pausing", """{ "status": "paused" }""");
            Assert.Equal((HttpStatusCode.OK, "paused"), (status, body.GetProperty("status").GetString()));
            await fixture.SendAsync(type, "wh-pause-1", "wh-pause-1-0", "payment", "authorized");
            await fixture.SendAsync(type, "wh-pause-1", "wh-pause-1-1", "payment", "captured");

            await fixture.WaitForAsync("pausing", v => v.GetProperty("lag").GetProperty("events").GetInt64() == 2, "the lag to show the two events");
            await Task.Delay(1000);
            Assert.Empty(receiver.Requests);

            (status, _) = await fixture.SendJsonAsync(HttpMethod.Patch, "/v1/subscriptions/pausing", """{ "status": "active" }""");
            Assert.Equal(HttpStatusCode.OK, status);
            var requests = await receiver.WaitForAsync(r => r.Count(x => x.Succeeded) == 2, "both items after resuming");
            Assert.Equal(["wh-pause-1-0", "wh-pause-1-1"], requests.Select(SignalIdOf));
            await fixture.WaitForAsync("pausing", v => v.GetProperty("lag").GetProperty("events").GetInt64() == 0, "no lag");
        }
        finally
        {
            await fixture.DeleteAsync("pausing");
        }
    }
}
