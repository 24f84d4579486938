using System.Text.Json;
using Microsoft.Playwright;
using Reconciler.IntegrationTests.Api;
using static Microsoft.Playwright.Assertions;

namespace Reconciler.IntegrationTests.Console;

/// <summary>
/// Four-eyes approval and the storm banner, clicked through in Chromium: one resolver proposes, sees it waiting and cannot
/// approve it; another approves it and the record closes with both names. A storm under way shows on every page.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConsoleApprovalTests(ConsoleStoryFixture story) : IClassFixture<ConsoleStoryFixture>
{
    private Task<IPage> SignInAsync(string key) => story.SignInAsync(key);

    /// <summary>An open invalid-transition conflict (authorized → refunded) of <paramref name="type"/>.</summary>
    private static Task<string> OpenConflictAsync(HttpClient gateway, string type, string operationId) =>
        ApiCalls.OpenInvalidTransitionAsync(gateway, operationId, type);

    [Fact]
    public async Task Given_a_policy_asking_two_resolvers_when_one_proposes_in_the_console_then_only_another_can_approve_it()
    {
        await story.Server.PutPolicyAsync(TestPolicies.Order(type: "four-eyes").Replace("\"graceSeconds\": 300,",
            "\"graceSeconds\": 300, \"approvals\": { \"dismissed\": 2 },", StringComparison.Ordinal));
        var gateway = story.Server.ClientFor(await story.KeyAsync("source", "payment-gateway", null));
        var id = await OpenConflictAsync(gateway, "four-eyes", "four-eyes-1");

        var rita = await SignInAsync(await story.KeyAsync("resolver", null, "rita"));
        await rita.GotoAsync($"/console/conflicts/{id}");
        await rita.GetByLabel("Resolution").SelectOptionAsync("dismissed");
        await rita.GetByLabel("Reason (required, kept in the audit trail)").FillAsync("a test order");
        await rita.GetByRole(AriaRole.Button, new() { Name = "Record resolution as rita" }).ClickAsync();

        await Expect(rita.GetByTestId("proposed-note")).ToContainTextAsync("dismissed");
        await Expect(rita.GetByTestId("pending")).ToContainTextAsync("rita proposed dismissed");
        await Expect(rita.GetByTestId("own-proposal")).ToBeVisibleAsync();
        await Expect(rita.GetByTestId("approve-form")).ToHaveCountAsync(0);
        await Expect(rita.GetByRole(AriaRole.Button, new() { Name = "Withdraw" })).ToBeVisibleAsync();
        await Expect(rita.GetByTestId("resolve-form")).ToHaveCountAsync(0);
        await Expect(rita.GetByTestId("status")).ToContainTextAsync("open");

        var sam = await SignInAsync(await story.KeyAsync("resolver", null, "sam"));
        await sam.GotoAsync($"/console/conflicts/{id}");
        await Expect(sam.GetByTestId("pending-reason")).ToHaveTextAsync("a test order");
        await Expect(sam.GetByRole(AriaRole.Button, new() { Name = "Reject" })).ToBeVisibleAsync();
        await sam.GetByLabel("Why you approve (required)").FillAsync("confirmed with the shop");
        await sam.GetByRole(AriaRole.Button, new() { Name = "Approve as sam" }).ClickAsync();

        await Expect(sam.GetByTestId("status")).ToContainTextAsync("resolved");
        await Expect(sam.GetByTestId("lifecycle")).ToContainTextAsync("dismissed by rita, approved by sam");
        await Expect(sam.GetByTestId("pending")).ToHaveCountAsync(0);
        await Expect(sam.GetByTestId("evidence")).ToContainTextAsync("ResolutionProposed");
        await ConsoleBrowser.ScreenshotAsync(sam, "conflict-approved");
        var record = await ApiCalls.GetJsonAsync(story.Server.Admin, $"/v1/conflicts/{id}");
        Assert.Equal(("rita", "sam"), (record.GetProperty("resolvedBy").GetString(), record.GetProperty("approvedBy").GetString()));
    }

    [Fact]
    public async Task Given_a_proposal_when_another_resolver_rejects_it_in_the_console_then_the_conflict_stays_open()
    {
        await story.Server.PutPolicyAsync(TestPolicies.Order(type: "four-eyes-r").Replace("\"graceSeconds\": 300,",
            "\"graceSeconds\": 300, \"approvals\": { \"dismissed\": 2 },", StringComparison.Ordinal));
        var gateway = story.Server.ClientFor(await story.KeyAsync("source", "payment-gateway", null));
        var id = await OpenConflictAsync(gateway, "four-eyes-r", "four-eyes-2");
        var rita = story.Server.ClientFor(await story.KeyAsync("resolver", null, "rita"));
        var (status, _) = await ApiCalls.PostJsonAsync(rita, $"/v1/conflicts/{id}/resolve", """{ "resolution": "dismissed", "reason": "a test order" }""");
        Assert.Equal(System.Net.HttpStatusCode.Accepted, status);

        var sam = await SignInAsync(await story.KeyAsync("resolver", null, "sam"));
        await sam.GotoAsync($"/console/conflicts/{id}");
        await sam.GetByLabel("Why you reject it (required)").FillAsync("it was a real order");
        await sam.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();

        await Expect(sam.GetByTestId("rejected-note")).ToBeVisibleAsync();
        await Expect(sam.GetByTestId("status")).ToContainTextAsync("open");
        await Expect(sam.GetByTestId("resolve-form")).ToBeVisibleAsync();
        await Expect(sam.GetByTestId("evidence")).ToContainTextAsync("ResolutionRejected");
    }

    [Fact]
    public async Task Given_a_storm_under_way_when_any_page_is_shown_then_the_banner_names_it()
    {
        var auditor = await SignInAsync(story.AuditorKey);
        await Expect(auditor.GetByTestId("storm-banner")).ToHaveCountAsync(0);
        await story.Server.PutPolicyAsync(TestPolicies.Order(type: "stormy").Replace("\"graceSeconds\": 300,",
            "\"graceSeconds\": 300, \"stormThreshold\": 2,", StringComparison.Ordinal));
        var gateway = story.Server.ClientFor(await story.KeyAsync("source", "payment-gateway", null));
        for (var i = 0; i < 3; i++)
        {
            await OpenConflictAsync(gateway, "stormy", $"stormy-{i}");
        }
        await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(story.Server.Admin, "/v1/storms?status=active"),
            s => s.GetProperty("items").EnumerateArray().Any(x => x.GetProperty("operationType").GetString() == "stormy"));

        await auditor.GotoAsync("/console/reports");

        var banner = auditor.GetByTestId("storm-banner");
        await Expect(banner).ToContainTextAsync("stormy");
        await Expect(banner).ToContainTextAsync("invalid-transition");
        await Expect(banner).ToContainTextAsync("faster than 2 a minute");
        await ConsoleBrowser.ScreenshotTopAsync(auditor, "storm-banner", 300);
    }
}
