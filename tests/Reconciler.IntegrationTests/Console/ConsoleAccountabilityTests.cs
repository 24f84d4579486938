using Microsoft.Playwright;
using Reconciler.IntegrationTests.Api;
using static Microsoft.Playwright.Assertions;

namespace Reconciler.IntegrationTests.Console;

/// <summary>
/// Accountability clicked through in Chromium: a resolver acknowledges, snoozes and hands over a conflict on its page; the
/// team's queue (kept in the URL) leaves the snoozed conflict out until asked, shows ages and the overdue badge; the
/// accountability report shows each team with its chart; an auditor sees the facts but no steps.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConsoleAccountabilityTests(ConsoleStoryFixture story) : IClassFixture<ConsoleStoryFixture>
{
    private Task<IPage> SignInAsync(string key) => story.SignInAsync(key);

    private async Task<string> OpenConflictAsync(string type, string operationId)
    {
        var gateway = story.Server.ClientFor(await story.KeyAsync("source", "payment-gateway", null));
        return await ApiCalls.OpenInvalidTransitionAsync(gateway, operationId, type);
    }

    [Fact]
    public async Task Given_a_conflict_of_a_team_when_a_resolver_acknowledges_snoozes_and_hands_it_over_in_the_console_then_the_queue_and_the_record_follow()
    {
        await story.Server.PutPolicyAsync(TestPolicies.Accountable(type: "owned"));
        var id = await OpenConflictAsync("owned", "owned-1");
        var rita = await SignInAsync(await story.KeyAsync("resolver", null, "rita"));

        await rita.GotoAsync($"/console/conflicts/{id}");
        await Expect(rita.GetByTestId("assignee")).ToHaveTextAsync("payments-team");
        await Expect(rita.GetByTestId("due")).ToContainTextAsync("due in 23 h");
        await rita.GetByRole(AriaRole.Button, new() { Name = "Acknowledge as rita" }).ClickAsync();
        await Expect(rita.GetByTestId("step-note")).ToContainTextAsync("Acknowledged");
        await Expect(rita.GetByTestId("acknowledged")).ToContainTextAsync("rita");
        await Expect(rita.GetByTestId("acknowledge-form")).ToHaveCountAsync(0);

        await rita.GetByLabel("Snooze for").SelectOptionAsync("1 day");
        await rita.GetByTestId("snooze-form").GetByLabel("Why (required)").FillAsync("waiting for the bank's file");
        await rita.GetByRole(AriaRole.Button, new() { Name = "Snooze" }).ClickAsync();
        await Expect(rita.GetByTestId("snoozed")).ToContainTextAsync("by rita: waiting for the bank's file");

        // The team's queue, as a link: the snoozed conflict is out of it until asked for.
        await rita.GotoAsync("/console?assignee=payments-team&operationType=owned");
        await Expect(rita.GetByLabel("Team (assignee)")).ToHaveValueAsync("payments-team");
        await Expect(rita.Locator($"tr[data-conflict-id='{id}']")).ToHaveCountAsync(0);
        await rita.GetByLabel("Snoozed").SelectOptionAsync("shown too");
        await rita.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        Assert.Contains("snoozed=any", rita.Url, StringComparison.Ordinal);
        Assert.Contains("assignee=payments-team", rita.Url, StringComparison.Ordinal);
        var row = rita.Locator($"tr[data-conflict-id='{id}']");
        await Expect(row).ToContainTextAsync("snoozed");
        await Expect(row.Locator("[data-cell=team]")).ToHaveTextAsync("payments-team · rita");
        await Expect(row.Locator("[data-cell=age]")).ToContainTextAsync(" s");

        await rita.GotoAsync($"/console/conflicts/{id}");
        await rita.GetByLabel("Hand to team").FillAsync("finance");
        await rita.GetByTestId("assign-form").GetByLabel("Why (required)").FillAsync("a ledger matter");
        await rita.GetByRole(AriaRole.Button, new() { Name = "Assign" }).ClickAsync();
        await Expect(rita.GetByTestId("assignee")).ToHaveTextAsync("finance (handed over by rita: a ledger matter)");
        await Expect(rita.GetByTestId("acknowledged")).ToHaveTextAsync("not yet");
        await rita.GetByLabel("Hand to team").FillAsync("finance");
        await rita.GetByTestId("assign-form").GetByLabel("Why (required)").FillAsync("again");
        await rita.GetByRole(AriaRole.Button, new() { Name = "Assign" }).ClickAsync();
        await Expect(rita.GetByTestId("accountability")).ToContainTextAsync("same-assignee");
        await ConsoleBrowser.ScreenshotAsync(rita, "conflict-accountability");

        var record = await ApiCalls.GetJsonAsync(story.Server.Admin, $"/v1/conflicts/{id}");
        Assert.Equal(("finance", "rita"), (record.GetProperty("assignee").GetString(), record.GetProperty("assignedBy").GetString()));
        var events = await ApiCalls.GetJsonAsync(story.Server.Admin, "/v1/operations/owned-1/events");
        Assert.Equal(["ConflictAcknowledged", "ConflictSnoozed", "ConflictAssigned"],
            events.EnumerateArray().Select(e => e.GetProperty("type").GetString()).Where(t => t!.StartsWith("Conflict", StringComparison.Ordinal) && t != "ConflictOpened"));

        var auditor = await SignInAsync(story.AuditorKey);
        await auditor.GotoAsync($"/console/conflicts/{id}");
        await Expect(auditor.GetByTestId("assignee")).ToContainTextAsync("finance");
        await Expect(auditor.GetByTestId("snooze-form")).ToHaveCountAsync(0);
        await Expect(auditor.GetByTestId("assign-form")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Given_an_overdue_conflict_when_its_team_queue_and_the_report_are_shown_then_the_badge_and_the_figures_say_so()
    {
        await story.Server.PutPolicyAsync(TestPolicies.Accountable(medium: "PT1S", type: "owned-due"));
        var id = await OpenConflictAsync("owned-due", "owned-due-1");
        await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(story.Server.Admin, $"/v1/conflicts/{id}"), r => r.TryGetProperty("escalatedAt", out _));
        var auditor = await SignInAsync(story.AuditorKey);

        await auditor.GotoAsync("/console?assignee=ops-leads&overdue=true");

        var row = auditor.Locator($"tr[data-conflict-id='{id}']");
        await Expect(row.GetByTestId("overdue-badge")).ToHaveTextAsync("overdue");
        await Expect(auditor.GetByLabel("Overdue")).ToHaveValueAsync("true");

        await auditor.GetByRole(AriaRole.Link, new() { Name = "Accountability" }).ClickAsync();
        await Expect(auditor.GetByTestId("ageing-chart")).ToBeVisibleAsync();
        var team = auditor.Locator("tr[data-team='ops-leads']");
        await Expect(team).ToBeVisibleAsync();
        var report = await ApiCalls.GetJsonAsync(story.Server.Admin, "/v1/reports/accountability");
        var leads = report.GetProperty("teams").EnumerateArray().Single(t => t.TryGetProperty("team", out var name) && name.GetString() == "ops-leads");
        var cells = await team.Locator("td").AllTextContentsAsync();
        Assert.Equal(["ops-leads", leads.GetProperty("conflicts").ToString(), leads.GetProperty("open").ToString(), leads.GetProperty("overdue").ToString()], cells.Take(4));
        Assert.True(leads.GetProperty("overdue").GetInt64() >= 1);
        await ConsoleBrowser.ScreenshotAsync(auditor, "accountability-report");
    }
}
