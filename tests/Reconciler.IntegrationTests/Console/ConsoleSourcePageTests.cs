using System.Net;
using System.Text;
using Microsoft.Playwright;
using Reconciler.IntegrationTests.Api;
using Reconciler.IntegrationTests.Inbound;
using static Microsoft.Playwright.Assertions;
using static Reconciler.IntegrationTests.Inbound.InboundSamples;

namespace Reconciler.IntegrationTests.Console;

/// <summary>
/// An inbound source's page in Chromium: its mapping versions, the last deliveries, the quarantine — which an auditor
/// reads and an admin replays once a rule for it was added — the import history, and the provenance of each signal on
/// the operation's page.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConsoleSourcePageTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private ConsoleBrowser _browser = null!;
    private string _auditorKey = "";

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(ConsoleSourcePageTests));
        _server = await ApiServer.StartAsync(_db);
        await _server.PutPolicyAsync(TestPolicies.Order());
        var created = await _server.Admin.PostAsync("/v1/keys", ApiServer.Json("""{ "role": "auditor", "name": "ann" }"""));
        _auditorKey = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
        await PutMappingAsync(_server, "payment-gateway", StripeMapping(), HttpStatusCode.Created);
        _browser = await ConsoleBrowser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<IPage> SignInAsync(string key)
    {
        var page = await (await _browser.NewContextAsync(_server.BaseAddress)).NewPageAsync();
        await page.GotoAsync("/console/sign-in");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("identity")).ToBeVisibleAsync();
        return page;
    }

    [Fact]
    public async Task Given_a_quarantined_delivery_when_an_admin_adds_a_rule_and_replays_from_the_source_page_then_it_is_ingested_and_its_provenance_shows()
    {
        var mapped = await VendorSigner.StripeAsync(PaymentIntent("evt_con_1", "order-con-1"), StripeSecret, Now);
        Assert.Equal(HttpStatusCode.OK, (await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway", mapped)).Status);
        var refund = await VendorSigner.StripeAsync(PaymentIntent("evt_con_2", "order-con-2", type: "charge.refunded"), StripeSecret, Now);
        var (quarantined, answer) = await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway", refund);
        Assert.Equal(HttpStatusCode.Accepted, quarantined);
        var deliveryId = OnlyDelivery(answer).GetProperty("deliveryId").GetInt64();
        await PutMappingAsync(_server, "payment-gateway", $$"""{ "csv": { "rules": [ { "operationId": "row.order", "operationType": "'order'", "signalId": "row.id", "facet": "'payment'", "state": "'captured'" } ] }, {{StripeMapping()[1..]}}""", HttpStatusCode.Created);
        using (var file = new ByteArrayContent(Encoding.UTF8.GetBytes("id,order\ntx-con-1,order-con-3\n")))
        {
            file.Headers.TryAddWithoutValidation("Content-Type", "text/csv");
            Assert.Equal(HttpStatusCode.Created, (await _server.Admin.PostAsync("/v1/sources/payment-gateway/imports", file)).StatusCode);
        }

        var auditor = await SignInAsync(_auditorKey);
        await auditor.GetByRole(AriaRole.Link, new() { Name = "Sources" }).ClickAsync();
        await auditor.GetByRole(AriaRole.Link, new() { Name = "payment-gateway" }).ClickAsync();
        await Expect(auditor.GetByTestId("mapping-versions").Locator("tbody tr")).ToHaveCountAsync(2);
        await Expect(auditor.GetByTestId("quarantine")).ToContainTextAsync("no rule matched");
        await Expect(auditor.GetByTestId("quarantine")).ToContainTextAsync("charge.refunded");
        await Expect(auditor.GetByTestId("deliveries").Locator("tbody tr")).ToHaveCountAsync(2);
        await Expect(auditor.GetByTestId("imports")).ToContainTextAsync("done");
        await Expect(auditor.GetByTestId("replay")).ToHaveCountAsync(0);
        Assert.DoesNotContain(StripeSecret, await auditor.ContentAsync(), StringComparison.Ordinal);
        await auditor.Context.CloseAsync();

        await PutMappingAsync(_server, "payment-gateway", StripeMapping(extraRules: """
            , { "when": "type == 'charge.refunded'", "operationId": "data.object.metadata.order_id", "operationType": "'order'",
                "signalId": "id", "facet": "'payment'", "state": "'refunded'" }
            """), HttpStatusCode.Created);
        var admin = await SignInAsync(ApiServer.AdminSecret);
        await admin.GotoAsync("/console/sources/payment-gateway");
        await Expect(admin.GetByTestId("mapping-versions").Locator("tbody tr")).ToHaveCountAsync(3);
        await ConsoleBrowser.ScreenshotAsync(admin, "inbound-source");
        await admin.GetByTestId("replay").ClickAsync();
        await Expect(admin.GetByTestId("replayed")).ToContainTextAsync("Replayed 1 under mapping v3: 1 ingested, 0 still quarantined");
        await Expect(admin.GetByTestId("quarantine-empty")).ToBeVisibleAsync();
        await Expect(admin.GetByTestId("deliveries")).ToContainTextAsync("replayed");

        await admin.GotoAsync("/console/operations/order-con-2");
        await Expect(admin.GetByTestId("provenance")).ToContainTextAsync($"via inbound v3, delivery {deliveryId}");
        await admin.GotoAsync("/console/operations/order-con-3");
        await Expect(admin.GetByTestId("provenance")).ToContainTextAsync("via inbound v2, import 1 row 2");
        await admin.Context.CloseAsync();
    }
}
