using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using Microsoft.Playwright;
using Reconciler.IntegrationTests.Api;
using static Microsoft.Playwright.Assertions;

namespace Reconciler.IntegrationTests.Console;

/// <summary>
/// The console clicked through in Chromium, over the order story played through the API: an auditor filters and
/// reads evidence and exports CSV, a resolver resolves with a reason and sees the truth change, the timeline travels
/// back in time, a what-if runs, reports and subscriptions show, and forged or unauthorised requests are refused.
/// The tests of this class run in order on one story (xunit runs a class's tests one at a time).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConsoleBrowserTests(ConsoleStoryFixture story) : IClassFixture<ConsoleStoryFixture>
{
    private const string OperationId = ConsoleStoryFixture.OperationId;

    private Task<IPage> SignInAsync(string key, int width = 1366) => story.SignInAsync(key, width);

    [Fact]
    public async Task Given_the_story_when_an_auditor_filters_to_missing_then_the_conflict_shows_its_evidence_and_no_resolve_form()
    {
        var page = await SignInAsync(story.AuditorKey);
        await Expect(page.GetByTestId("identity")).ToHaveTextAsync("ann");
        await Expect(page.GetByTestId("queue")).ToBeVisibleAsync();
        await ConsoleBrowser.ScreenshotAsync(page, "queue");

        await page.GetByLabel("Kind").SelectOptionAsync("missing");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("kind=missing"));
        var rows = page.GetByTestId("queue").Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("missing");
        await rows.First.Locator("a").First.ClickAsync();

        await Expect(page.GetByTestId("detail")).ToContainTextAsync("nobody reported 'ledger'");
        var evidence = page.GetByTestId("evidence");
        await Expect(evidence).ToContainTextAsync("ConflictOpened");
        await Expect(evidence).ToContainTextAsync("ConflictResolved");
        await Expect(page.GetByTestId("lifecycle")).ToContainTextAsync("resolved");
        await Expect(page.GetByTestId("resolve-form")).ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(page, "conflict-missing");

        // The story's duplicate converged and came back: its lifecycle says so.
        await page.GotoAsync($"/console/conflicts/{await story.ConflictIdAsync("duplicate")}");
        await Expect(page.GetByTestId("lifecycle")).ToContainTextAsync("2");
        await Expect(page.Locator("ol.steps")).ToContainTextAsync("reopened (occurrence 2)");

        // The open disagreement, which a resolver could resolve: still no form for an auditor.
        await page.GotoAsync($"/console/conflicts/{await story.ConflictIdAsync("disagreement", "open")}");
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("open");
        await Expect(page.GetByTestId("claims")).ToContainTextAsync("abandoned-cart");
        await Expect(page.GetByTestId("resolve-form")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_a_filter_when_the_auditor_exports_csv_then_the_rows_are_exactly_the_filtered_set()
    {
        var page = await SignInAsync(story.AuditorKey);
        foreach (var query in new[] { "?kind=missing", "?status=resolved&source=payment-gateway", "" })
        {
            await page.GotoAsync("/console" + query);
            var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-csv").ClickAsync());
            using var csv = CsvReader.FromText(await File.ReadAllTextAsync(await download.PathAsync()));
            var exported = new List<string>();
            while (csv.Read())
            {
                exported.Add(csv.GetString("conflictId"));
            }
            exported.Sort(StringComparer.Ordinal);

            var listed = await story.Server.Admin.GetFromJsonAsync<JsonElement>("/v1/conflicts" + (query.Length == 0 ? "?" : query + "&") + "limit=1000");
            var expected = listed.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("conflictId").GetString()!).Order(StringComparer.Ordinal).ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, exported);
        }
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_a_resolver_when_they_resolve_with_a_reason_then_the_conflict_is_resolved_by_them_and_the_truth_changes()
    {
        var conflictId = await story.ConflictIdAsync("disagreement", "open");
        var page = await SignInAsync(story.ResolverKey);
        await page.GotoAsync($"/console/conflicts/{conflictId}");
        await Expect(page.GetByTestId("resolve-form")).ToBeVisibleAsync();

        // A forged POST with the session cookie but without the form's antiforgery token is refused, and changes nothing.
        var forged = await page.Context.APIRequest.PostAsync($"/console/conflicts/{conflictId}", new()
        {
            Form = page.Context.APIRequest.CreateFormData().Set("_handler", "resolve").Set("Resolution", "dismissed").Set("Reason", "forged"),
            MaxRedirects = 0,
        });
        Assert.Equal(400, forged.Status);
        Assert.Equal("open", await StatusAsync(conflictId));

        // The reason is required by the server too, not only by the browser.
        await page.EvaluateAsync("document.querySelector('#reason').removeAttribute('required')");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record resolution" }).ClickAsync();
        await Expect(page.GetByTestId("problems")).ToContainTextAsync("reason");
        Assert.Equal("open", await StatusAsync(conflictId));

        await page.GetByLabel("Resolution").SelectOptionAsync("overridden");
        await page.Locator("#override").SelectOptionAsync("journey=purchased");
        await page.Locator("#reason").FillAsync("The customer did buy: the CRM missed the purchase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record resolution as rob" }).ClickAsync();

        await Expect(page.GetByTestId("resolved-note")).ToContainTextAsync("overridden");
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("resolved");
        await Expect(page.GetByTestId("lifecycle")).ToContainTextAsync("overridden by rob");
        await Expect(page.GetByTestId("reason")).ToHaveTextAsync("The customer did buy: the CRM missed the purchase");
        await Expect(page.GetByTestId("resolve-form")).ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(page, "conflict-resolved");
        var record = await story.Server.Admin.GetFromJsonAsync<JsonElement>($"/v1/conflicts/{conflictId}");
        Assert.Equal(("overridden", "rob"), (record.GetProperty("resolution").GetString(), record.GetProperty("resolvedBy").GetString()));

        await page.GetByRole(AriaRole.Link, new() { Name = OperationId }).First.ClickAsync();
        var journey = page.GetByTestId("truth-facets").Locator("tr[data-facet=journey]");
        await Expect(journey.Locator("[data-cell=state]")).ToHaveTextAsync("purchased");
        await Expect(journey.Locator("[data-cell=basis]")).ToHaveTextAsync("override");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_the_timeline_when_the_auditor_travels_to_an_earlier_version_or_moment_then_the_truth_is_as_it_stood()
    {
        var page = await SignInAsync(story.AuditorKey);
        await page.GotoAsync($"/console/operations/{OperationId}");
        await Expect(page.GetByTestId("timeline")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("timeline").Locator("a")).ToHaveCountAsync(await EventCountAsync());
        await ConsoleBrowser.ScreenshotAsync(page, "operation");
        var timelineBottom = (await page.GetByTestId("timeline").BoundingBoxAsync())!;
        await ConsoleBrowser.ScreenshotTopAsync(page, "operation-timeline", (int)(timelineBottom.Y + timelineBottom.Height + 60));

        await page.GetByTestId("events").GetByRole(AriaRole.Link, new() { Name = "v1", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("travel-note")).ToContainTextAsync("after version 1");
        // Every facet of the policy is listed; at version 1 only the CRM's journey has been reported.
        await Expect(page.GetByTestId("truth-facets").Locator("tbody tr")).ToHaveCountAsync(5);
        await Expect(page.GetByTestId("truth-facets").Locator("tr[data-facet=journey] [data-cell=state]")).ToHaveTextAsync("abandoned-cart");
        await Expect(page.GetByTestId("truth-facets").Locator("tr[data-facet=ledger] [data-cell=basis]")).ToHaveTextAsync("none");
        await Expect(page.GetByTestId("truth-facets").Locator("[data-cell=unclaimed]")).ToHaveCountAsync(4);
        await Expect(page.GetByTestId("timeline-cursor")).ToHaveCountAsync(1);

        // A moment: the engine time of the third event.
        var events = await story.Server.Admin.GetFromJsonAsync<JsonElement>($"/v1/operations/{OperationId}/events");
        var third = events[2].GetProperty("time").GetDateTimeOffset().ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        await page.GetByLabel("or at a moment (UTC)").FillAsync(third);
        await page.GetByLabel("Truth after version").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Travel" }).ClickAsync();
        var expected = await story.Server.Admin.GetFromJsonAsync<JsonElement>($"/v1/operations/{OperationId}?at={Uri.EscapeDataString(third)}");
        await Expect(page.GetByTestId("travel-note")).ToContainTextAsync($"after version {expected.GetProperty("version").GetInt64()}");
        await Expect(page.GetByTestId("truth-facets").Locator("tr[data-facet=payment] [data-cell=state]"))
            .ToHaveTextAsync(expected.GetProperty("facets").GetProperty("payment").GetProperty("state").GetString()!);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_a_candidate_policy_when_the_auditor_runs_a_what_if_then_the_changes_show_and_a_bad_policy_names_its_paths()
    {
        var page = await SignInAsync(story.AuditorKey);
        await page.GotoAsync($"/console/operations/{OperationId}");
        await Expect(page.Locator("#policy-text")).ToContainTextAsync("\"expectations\"");

        var candidate = JsonNode.Parse(story.PolicyJson)!.AsObject();
        candidate["expectations"] = new JsonArray();
        await page.Locator("#policy-text").FillAsync(candidate.ToJsonString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Run what-if" }).ClickAsync();

        var expected = await story.Server.Admin.PostAsync($"/v1/operations/{OperationId}/what-if", ApiServer.Json(candidate.ToJsonString()));
        var whatIf = await expected.Content.ReadFromJsonAsync<JsonElement>();
        Assert.NotEqual(0, whatIf.GetProperty("changes").GetArrayLength());
        await Expect(page.GetByTestId("what-if-outcome")).ToHaveTextAsync(whatIf.GetProperty("outcome").GetString()!);
        await Expect(page.GetByTestId("what-if-changes").Locator("tbody tr")).ToHaveCountAsync(whatIf.GetProperty("changes").GetArrayLength());

        // The same candidate, uploaded as a file.
        await page.Locator("#policy-text").FillAsync("");
        await page.GetByLabel("or upload a policy file").SetInputFilesAsync(new FilePayload
        {
            Name = "candidate.json", MimeType = "application/json", Buffer = System.Text.Encoding.UTF8.GetBytes(candidate.ToJsonString()),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Run what-if" }).ClickAsync();
        await Expect(page.GetByTestId("what-if-outcome")).ToHaveTextAsync(whatIf.GetProperty("outcome").GetString()!);
        await Expect(page.GetByTestId("what-if-changes").Locator("tbody tr")).ToHaveCountAsync(whatIf.GetProperty("changes").GetArrayLength());
        await ConsoleBrowser.ScreenshotAsync(page, "what-if");

        await page.Locator("#policy-text").FillAsync("""{ "facets": { "payment": { "owner": "payment-gateway", "states": [] } }, "outcomes": 3 }""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run what-if" }).ClickAsync();
        await Expect(page.GetByTestId("problems")).ToContainTextAsync("outcomes");
        await Expect(page.GetByTestId("what-if-result")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_the_story_when_the_auditor_opens_reports_then_the_chart_and_table_show_each_pair_and_kind()
    {
        var page = await SignInAsync(story.AuditorKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Reports" }).ClickAsync();
        var report = await story.Server.Admin.GetFromJsonAsync<JsonElement>("/v1/reports/disagreements");
        var groups = report.GetProperty("groups");
        await Expect(page.GetByTestId("pairs").Locator("tbody tr")).ToHaveCountAsync(groups.GetArrayLength());
        await Expect(page.GetByTestId("pairs-chart").Locator("g")).ToHaveCountAsync(groups.GetArrayLength());
        await Expect(page.GetByTestId("daily")).ToContainTextAsync("missing");
        await ConsoleBrowser.ScreenshotAsync(page, "report");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_a_parked_delivery_when_an_admin_redelivers_then_it_goes_out_again_and_an_auditor_cannot_open_subscriptions()
    {
        var auditor = await SignInAsync(story.AuditorKey);
        await Expect(auditor.GetByRole(AriaRole.Link, new() { Name = "Subscriptions" })).ToHaveCountAsync(0);
        await auditor.GotoAsync("/console/subscriptions");
        await Expect(auditor).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/forbidden"));
        await auditor.Context.CloseAsync();

        var admin = await SignInAsync(ApiServer.AdminSecret);
        await admin.GetByRole(AriaRole.Link, new() { Name = "Subscriptions" }).ClickAsync();
        await Expect(admin.GetByTestId("subscriptions")).ToContainTextAsync("fulfilment");
        await Expect(admin.GetByTestId("parked").Locator("tbody tr")).ToHaveCountAsync(1);
        // Nodes and leases as GET /v1/cluster reports them: this server, holding the deadlines lease.
        var cluster = await story.Server.Admin.GetFromJsonAsync<JsonElement>("/v1/cluster");
        var self = cluster.GetProperty("node").GetString()!;
        await Expect(admin.GetByTestId("self-node")).ToHaveTextAsync(self);
        await Expect(admin.GetByTestId("nodes").Locator("tbody tr")).ToHaveCountAsync(cluster.GetProperty("nodes").GetArrayLength());
        await Expect(admin.GetByTestId("nodes").Locator($"tr[data-node='{self}']")).ToContainTextAsync("this server");
        await Expect(admin.GetByTestId("leases").Locator("tr[data-lease=deadlines]")).ToContainTextAsync("held");
        await Expect(admin.GetByTestId("leases").Locator("tr[data-lease=deadlines]")).ToContainTextAsync(self);
        await ConsoleBrowser.ScreenshotAsync(admin, "subscriptions");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Redeliver all 1 parked" }).ClickAsync();
        await Expect(admin.GetByTestId("redelivered")).ToContainTextAsync("1 parked delivery goes out again");
        await admin.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_a_source_key_or_a_signed_out_session_then_the_console_is_closed()
    {
        var source = await SignInAsync(story.SourceKey);
        await Expect(source.GetByTestId("problems")).ToContainTextAsync("The key was not accepted: A source key cannot sign in");
        // One sentence, not a list naming a form field.
        await Expect(source.GetByTestId("problems").Locator("code, li")).ToHaveCountAsync(0);
        await Expect(source).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/sign-in"));
        await source.Context.CloseAsync();

        var page = await SignInAsync(story.AuditorKey);
        await Expect(page.GetByTestId("identity")).ToHaveTextAsync("ann");
        Assert.DoesNotContain(story.AuditorKey, await page.ContentAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByText("You are signed out")).ToBeVisibleAsync();
        await page.GotoAsync("/console");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/sign-in"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_the_queue_open_when_a_new_conflict_opens_then_it_appears_without_a_reload()
    {
        var page = await SignInAsync(story.AuditorKey);
        await Expect(page.GetByTestId("queue")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500); // the page's event stream connects after load
        var crm = story.Server.ClientFor(story.SourceKey);
        var signal = ApiCalls.Signal("order-live-1", "crm-live-1", "journey", "browsing");
        await ApiCalls.SendAsync(crm, signal);
        var opened = await ApiCalls.SendOneAsync(crm, "order-live-1", "crm-live-1", "journey", "browsing");

        await Expect(page.Locator($"tr[data-conflict-id='{opened.Single()}']")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(page.Locator("#live-status")).ToContainTextAsync("1 new conflict");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_an_800_px_window_when_the_queue_shows_then_the_page_does_not_scroll_sideways_and_the_last_column_is_in_view()
    {
        var page = await SignInAsync(story.AuditorKey, width: 800);
        await Expect(page.GetByTestId("queue")).ToBeVisibleAsync();
        await ConsoleBrowser.ScreenshotAsync(page, "queue-800");

        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"),
            $"the page is {await page.EvaluateAsync<int>("document.documentElement.scrollWidth")} px wide in an 800 px window");
        var last = page.GetByTestId("queue").Locator("thead th").Last;
        await Expect(last).ToContainTextAsync("occur");
        var box = (await last.BoundingBoxAsync())!;
        Assert.True(box.X >= 0 && box.X + box.Width <= 800, $"the last column spans {box.X}..{box.X + box.Width} px");
        var cell = page.GetByTestId("queue").Locator("tbody tr").First.Locator("td").Last;
        var cellBox = (await cell.BoundingBoxAsync())!;
        Assert.True(cellBox.X + cellBox.Width <= 800, $"the last cell ends at {cellBox.X + cellBox.Width} px");
        // No filter looks set when none is: the time fields are empty and carry no example value.
        await Expect(page.Locator("input[placeholder]")).ToHaveCountAsync(0);
        await Expect(page.GetByLabel("Opened from (UTC)")).ToHaveValueAsync("");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_a_conflict_whose_detail_has_a_policy_duration_when_shown_then_it_reads_as_people_say_it()
    {
        var page = await SignInAsync(story.AuditorKey);

        // The story's policy expects the ledger within PT3S of the capture.
        await page.GotoAsync($"/console/conflicts/{await story.ConflictIdAsync("missing")}");

        await Expect(page.GetByTestId("detail")).ToContainTextAsync("nobody reported 'ledger' within 3 s.");
        await Expect(page.GetByTestId("detail")).Not.ToContainTextAsync("PT3S");
        await Expect(page.Locator("ol.steps")).ToContainTextAsync("converged after");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_an_open_conflict_when_an_auditor_views_it_then_where_the_form_would_be_it_says_a_resolver_is_needed()
    {
        // An open conflict of its own, whatever the other tests resolved: a misspelt facet.
        var crm = story.Server.ClientFor(story.SourceKey);
        var opened = await ApiCalls.SendOneAsync(crm, "order-typo-1", "crm-typo-1", "jorney", "browsing");

        var auditor = await SignInAsync(story.AuditorKey);
        await auditor.GotoAsync($"/console/conflicts/{opened.Single()}");
        await Expect(auditor.GetByTestId("status")).ToHaveTextAsync("open");
        await Expect(auditor.GetByTestId("detail")).ToContainTextAsync("did you mean 'journey'?");
        await Expect(auditor.GetByTestId("resolve-form")).ToHaveCountAsync(0);
        await Expect(auditor.GetByTestId("needs-resolver")).ToContainTextAsync("needs a resolver or admin key");
        await Expect(auditor.GetByTestId("needs-resolver")).ToContainTextAsync("ann (auditor)");
        await auditor.Context.CloseAsync();

        var resolver = await SignInAsync(story.ResolverKey);
        await resolver.GotoAsync($"/console/conflicts/{opened.Single()}");
        await Expect(resolver.GetByTestId("resolve-form")).ToBeVisibleAsync();
        await Expect(resolver.GetByTestId("needs-resolver")).ToHaveCountAsync(0);
        await resolver.Context.CloseAsync();
    }

    [Fact]
    public async Task Given_the_report_when_drawn_then_every_kind_has_its_own_colour_and_none_is_the_red_of_open()
    {
        var page = await SignInAsync(story.AuditorKey);
        await page.GotoAsync("/console/reports");

        var fill = "e => getComputedStyle(e).fill";
        var open = await page.GetByTestId("pairs-chart").Locator("rect.bar-open").First.EvaluateAsync<string>(fill);
        var legend = page.Locator("ul.legend li");
        var kinds = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < await legend.CountAsync(); i++)
        {
            kinds[(await legend.Nth(i).GetAttributeAsync("data-kind"))!] = await legend.Nth(i).Locator("rect").EvaluateAsync<string>(fill);
        }

        Assert.Contains("duplicate", kinds.Keys);
        Assert.Contains("disagreement", kinds.Keys);
        Assert.Equal(kinds.Count, kinds.Values.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(open, kinds.Values);
        await Expect(page.Locator("input[placeholder]")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    private async Task<string> StatusAsync(string conflictId) =>
        (await story.Server.Admin.GetFromJsonAsync<JsonElement>($"/v1/conflicts/{conflictId}")).GetProperty("status").GetString()!;

    private async Task<int> EventCountAsync() =>
        (await story.Server.Admin.GetFromJsonAsync<JsonElement>($"/v1/operations/{OperationId}/events")).GetArrayLength();
}
