using Reconciler.Cli;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary><c>reconciler subscriptions …</c> in-process against a real server; assertions on the tables they print.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SubscriptionsCommandTests(WebhookFixture fixture) : IClassFixture<WebhookFixture>
{
    [Fact]
    public async Task Given_the_commands_when_a_subscription_is_created_paused_resumed_and_listed_then_the_tables_show_it()
    {
        using var client = new ServerClient(fixture.Server.BaseAddress.ToString(), ApiServer.AdminSecret);
        var output = new StringWriter();

        await SubscriptionsCommand.CreateAsync(client, output, new SubscriptionsCommand.NewSubscription(
            "cli-hooks", "http://127.0.0.1:9/hooks", "OutcomeDeclared,ConflictOpened", "cli-none", null, "start", 3, "PT1S", "PT1M", "PT2H"), CancellationToken.None);
        await SubscriptionsCommand.SetStatusAsync(client, output, "cli-hooks", "paused", CancellationToken.None);
        await SubscriptionsCommand.ListAsync(client, output, CancellationToken.None);
        await SubscriptionsCommand.SetStatusAsync(client, output, "cli-hooks", "active", CancellationToken.None);
        await SubscriptionsCommand.ShowAsync(client, output, "cli-hooks", CancellationToken.None);
        await SubscriptionsCommand.ParkedAsync(client, output, "cli-hooks", CancellationToken.None);
        await SubscriptionsCommand.RedeliverAsync(client, output, "cli-hooks", null, DateTimeOffset.UtcNow.AddHours(-1), null, CancellationToken.None);

        var text = output.ToString();
        Assert.Contains("types OutcomeDeclared,ConflictOpened; operation types cli-none", text);
        Assert.Contains("3 attempts, PT1S to PT1M, parked after PT2H", text);
        Assert.Matches("secret: whsec_[A-Za-z0-9+/=]{44}", text);
        Assert.Contains("cli-hooks: paused", text);
        Assert.Matches(@"cli-hooks\s*│\s*paused", text);
        Assert.Contains("cli-hooks: active", text);
        Assert.Contains("0 parked deliveries of cli-hooks", text);
        Assert.Contains("0 parked deliveries of cli-hooks will be delivered again", text);
        await fixture.DeleteAsync("cli-hooks");
    }
}
