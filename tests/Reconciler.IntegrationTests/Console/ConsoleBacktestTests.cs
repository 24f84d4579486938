using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Reconciler.IntegrationTests.Api;
using static Microsoft.Playwright.Assertions;

namespace Reconciler.IntegrationTests.Console;

/// <summary>
/// A policy backtest clicked through in Chromium over the order story: started from an operation's what-if box, followed
/// until done on its page, its charts and tables holding the figures GET /v1/backtests/{id} gives, and an example followed to
/// its operation; a candidate that cannot be used starts nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class ConsoleBacktestTests(ConsoleStoryFixture story) : IClassFixture<ConsoleStoryFixture>
{
    [Fact]
    public async Task Given_a_candidate_in_the_what_if_box_when_the_auditor_backtests_it_then_its_page_shows_the_summary_and_leads_to_an_example()
    {
        var page = await story.SignInAsync(story.AuditorKey);
        await page.GotoAsync($"/console/operations/{ConsoleStoryFixture.OperationId}");
        var candidate = JsonNode.Parse(story.PolicyJson)!.AsObject();
        candidate["expectations"] = new JsonArray();
        await page.Locator("#policy-text").FillAsync(candidate.ToJsonString());

        await page.GetByTestId("start-backtest").ClickAsync();

        await Expect(page).ToHaveURLAsync(BacktestUrl());
        var id = BacktestUrl().Match(page.Url).Groups[1].Value;
        await Expect(page.GetByTestId("backtest-status")).ToHaveTextAsync("done", new() { Timeout = 60_000 });
        var backtest = await story.Server.Admin.GetFromJsonAsync<JsonElement>($"/v1/backtests/{id}");
        Assert.Equal("ann", backtest.GetProperty("requestedBy").GetString());
        var summary = backtest.GetProperty("summary");
        Assert.NotEqual(0, summary.GetProperty("changed").GetInt64());
        await Expect(page.GetByTestId("backtest-figures")).ToContainTextAsync(new Regex($@"\b{summary.GetProperty("operations").GetInt64()} operations? compared"));
        await Expect(page.GetByTestId("backtest-figures")).ToContainTextAsync(summary.GetProperty("hash").GetString()!);

        var transitions = summary.GetProperty("outcomes").EnumerateArray().ToList();
        await Expect(page.GetByTestId("outcome-chart").Locator("rect")).ToHaveCountAsync(transitions.Count);
        foreach (var t in transitions)
        {
            await Expect(page.GetByTestId("outcome-matrix").Locator($"tr[data-from='{t.GetProperty("from").GetString()}'] td[data-to='{t.GetProperty("to").GetString()}']"))
                .ToHaveTextAsync(t.GetProperty("count").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var conflicts = summary.GetProperty("conflicts").EnumerateArray().ToList();
        Assert.Contains(conflicts, c => c.GetProperty("disappear").GetInt64() > 0);
        await Expect(page.GetByTestId("conflict-chart").Locator("rect.bar-gone")).ToHaveCountAsync(conflicts.Count);
        foreach (var c in conflicts)
        {
            var row = page.GetByTestId("conflict-deltas").Locator($"tr[data-kind='{c.GetProperty("kind").GetString()}']");
            await Expect(row.Locator("[data-cell=appear]")).ToHaveTextAsync(c.GetProperty("appear").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(row.Locator("[data-cell=disappear]")).ToHaveTextAsync(c.GetProperty("disappear").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        await ConsoleBrowser.ScreenshotAsync(page, "backtest");

        var example = summary.GetProperty("examples")[0];
        var first = example.GetProperty("operationIds")[0].GetString()!;
        await page.GetByTestId("examples").Locator($"tr[data-change='{example.GetProperty("change").GetString()}']").GetByRole(AriaRole.Link, new() { Name = first, Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/console/operations/{Regex.Escape(Uri.EscapeDataString(first))}$"));
        await Expect(page.Locator("h1")).ToContainTextAsync(first);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_a_candidate_that_cannot_be_used_when_backtested_from_the_what_if_box_then_its_problems_show_and_no_backtest_is_stored()
    {
        var page = await story.SignInAsync(story.AuditorKey);
        await page.GotoAsync($"/console/operations/{ConsoleStoryFixture.OperationId}");
        var before = await CountAsync();

        await page.Locator("#policy-text").FillAsync("""{ "facets": { "payment": { "owner": "payment-gateway", "states": [] } }, "outcomes": 3 }""");
        await page.GetByTestId("start-backtest").ClickAsync();

        await Expect(page.GetByTestId("problems")).ToContainTextAsync("outcomes");
        await Expect(page).ToHaveURLAsync(new Regex($"/console/operations/{ConsoleStoryFixture.OperationId}$"));
        Assert.Equal(before, await CountAsync());
        await page.Context.CloseAsync();
    }

    private async Task<int> CountAsync() =>
        (await story.Server.Admin.GetFromJsonAsync<JsonElement>("/v1/policies/order/backtests?limit=100")).GetProperty("items").GetArrayLength();

    [GeneratedRegex("/console/backtests/(bt-[0-9a-f]+)$")]
    private static partial Regex BacktestUrl();
}
