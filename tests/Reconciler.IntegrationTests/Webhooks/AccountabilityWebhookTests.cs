using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary>A conflict's clock running out reaches subscribers: ConflictOverdue and ConflictEscalated are delivered as the feed has them.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AccountabilityWebhookTests(WebhookFixture fixture) : IClassFixture<WebhookFixture>
{
    [Fact]
    public async Task Given_a_subscription_to_the_clock_events_when_a_conflict_passes_its_dueBy_then_overdue_and_escalated_are_delivered_signed()
    {
        const string type = "wh-due";
        await fixture.Server.PutPolicyAsync(TestPolicies.Accountable(medium: "PT2S", type: type));
        await using var receiver = await WebhookReceiver.StartAsync();
        var created = await fixture.CreateAsync(new { name = "clocks", url = receiver.Url, types = new[] { "ConflictOverdue", "ConflictEscalated" }, operationTypes = new[] { type } });
        try
        {
            await fixture.SendAsync(type, "wh-due-1", "wh-due-1-a", "payment", "authorized");
            await fixture.SendAsync(type, "wh-due-1", "wh-due-1-b", "payment", "refunded");

            var received = await receiver.WaitForAsync(r => r.Any(x => x.Type == "ConflictEscalated"), "ConflictEscalated", TimeSpan.FromSeconds(30));

            Assert.Equal(["ConflictOverdue", "ConflictEscalated"], received.Select(r => r.Type));
            Assert.All(received, r => Signatures.AssertValid(r, created.GetProperty("secret").GetString()!));
            var feed = (await ApiCalls.GetJsonAsync(fixture.Admin, "/v1/feed?types=ConflictOverdue,ConflictEscalated&limit=1000")).GetProperty("items").EnumerateArray()
                .Where(i => i.GetProperty("operationId").GetString() == "wh-due-1").ToList();
            Assert.Equal(feed.Select(i => i.GetRawText()), received.Select(r => r.Item.GetRawText()));
            Assert.Equal("ops-leads", received[1].Item.GetProperty("data").GetProperty("assignee").GetString());
        }
        finally
        {
            await fixture.DeleteAsync("clocks");
        }
    }
}
