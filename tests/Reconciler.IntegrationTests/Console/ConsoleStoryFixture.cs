using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Reconciler.Cli;
using Reconciler.IntegrationTests.Api;
using Reconciler.Webhooks;
using static Microsoft.Playwright.Assertions;

namespace Reconciler.IntegrationTests.Console;

/// <summary>
/// A server with the order story of <c>samples/order-fulfilment</c> played through the API (as <c>reconciler demo</c>
/// plays it, by each source's own key), keys for an auditor (ann), a resolver (rob) and a source, a webhook
/// subscription whose one delivery is parked, and a browser. Shared by the console's browser tests.
/// </summary>
public sealed class ConsoleStoryFixture : IAsyncLifetime
{
    public const string OperationId = "order-1001";

    private TestDatabase? _database;
    private ApiServer? _server;
    private ConsoleBrowser? _browser;

    public ApiServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");
    public ConsoleBrowser Browser => _browser ?? throw new InvalidOperationException("The fixture is not initialized.");
    public string AuditorKey { get; private set; } = "";
    public string ResolverKey { get; private set; } = "";
    public string SourceKey { get; private set; } = "";
    public string PolicyJson { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var postgres = new PostgresFixture();
        await postgres.InitializeAsync();
        _database = await postgres.CreateDatabaseAsync("console");
        _server = await ApiServer.StartAsync(_database);
        var options = _server.Services.GetRequiredService<WebhookOptions>();
        options.SecretsKey = SecretsKey.NewBase64();
        options.AllowPrivateTargets = true;
        AuditorKey = await KeyAsync("auditor", null, "ann");
        ResolverKey = await KeyAsync("resolver", null, "rob");
        await PlayStoryAsync();
        await ParkOneDeliveryAsync();
        _browser = await ConsoleBrowser.LaunchAsync();
    }

    /// <summary>A fresh browser profile signed in with <paramref name="key"/> through the sign-in page.</summary>
    public async Task<IPage> SignInAsync(string key, int width = 1366)
    {
        var context = await Browser.NewContextAsync(Server.BaseAddress, width);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/sign-in"));
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        return page;
    }

    public async Task<string> KeyAsync(string role, string? source, string? name)
    {
        var response = await Server.Admin.PostAsJsonAsync("/v1/keys", new { role, source, name });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    private async Task PlayStoryAsync()
    {
        var story = DemoStory.Load(Path.Combine(DemoStory.FindSamples(), "order-fulfilment"));
        PolicyJson = story.PolicyJson;
        await Server.PutPolicyAsync(story.PolicyJson);
        var sources = new Dictionary<string, HttpClient>();
        foreach (var source in story.Sources)
        {
            sources[source] = Server.ClientFor(await KeyAsync("source", source, null));
        }
        SourceKey = await KeyAsync("source", "crm", "crm-integration");
        foreach (var step in story.Steps)
        {
            if (step.Wait is { } wait)
            {
                await Task.Delay(wait);
                continue;
            }
            var response = await sources[step.Source!].PostAsync("/v1/signals", new StringContent(step.SignalJson!, Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>A subscription to the order's outcome at a closed port, one attempt only: its delivery parks.</summary>
    private async Task ParkOneDeliveryAsync()
    {
        var response = await Server.Admin.PostAsJsonAsync("/v1/subscriptions", new
        {
            name = "fulfilment", url = "http://127.0.0.1:9/hooks", types = new[] { "OutcomeDeclared" }, from = "start",
            retry = new { maxAttempts = 1 },
        });
        response.EnsureSuccessStatusCode();
        await ApiCalls.EventuallyAsync(
            () => Server.Admin.GetFromJsonAsync<JsonElement>("/v1/subscriptions/fulfilment"),
            s => s.GetProperty("parked").GetInt64() == 1, TimeSpan.FromSeconds(20));
    }

    public async Task<string> ConflictIdAsync(string kind, string? status = null)
    {
        var page = await Server.Admin.GetFromJsonAsync<JsonElement>($"/v1/conflicts?operationId={OperationId}&kind={kind}{(status is null ? "" : "&status=" + status)}");
        return page.GetProperty("items")[0].GetProperty("conflictId").GetString()!;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
