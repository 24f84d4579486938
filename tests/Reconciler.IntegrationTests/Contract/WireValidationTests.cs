using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Reconciler.IntegrationTests.Api;
using Reconciler.Webhooks;
using Xunit.Abstractions;

namespace Reconciler.IntegrationTests.Contract;

/// <summary>
/// Every operation of the document, in success and error cases, sent through Stoplight Prism as a validating proxy
/// in front of the real server: no response breaks the document, no request the server accepts (or refuses only for
/// what it means) breaks it, and every request the server refuses as malformed breaks it too. The request contracts
/// of the strict hand readers (signals, policies, subscriptions) are held to what those readers accept this way.
/// </summary>
public sealed partial class WireValidationTests(ContractServerFixture contract, ITestOutputHelper output) : IClassFixture<ContractServerFixture>, IAsyncLifetime
{
    private PrismProxy _prism = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        // Subscriptions here target a closed port of this machine (deliveries fail at once, and nothing leaves it).
        contract.Server.Services.GetRequiredService<WebhookOptions>().AllowPrivateTargets = true;
        _prism = await PrismProxy.StartAsync(contract.DocumentPath, contract.Server.BaseAddress, contract.Scratch);
        _admin = _prism.Client(ApiServer.AdminSecret);
    }

    public async Task DisposeAsync() => await _prism.DisposeAsync();

    [Fact]
    public async Task Given_every_operation_in_success_and_error_cases_when_sent_through_prism_then_no_exchange_breaks_the_document_and_prism_refuses_what_the_server_refuses()
    {
        await PlayAsync();

        foreach (var e in _prism.Exchanges)
        {
            output.WriteLine($"{e.Operation,-22} {e.Expected,-8} {e.Status} {e.Request}{(e.Violations.Count > 0 ? "  [" + string.Join("; ", e.Violations) + "]" : "")}");
        }
        var faults = _prism.Exchanges.SelectMany(e => e.Faults().Select(f => $"{e.Operation} {e.Request}: {f}")).ToList();
        var uncovered = Uncovered();
        output.WriteLine($"{_prism.Exchanges.Count} exchanges, {_prism.Exchanges.Count(e => e.Status < 300)} successful, {faults.Count} faults");
        Assert.True(faults.Count == 0, $"{faults.Count} exchange(s) disagree with the document:\n" + string.Join("\n", faults));
        Assert.True(uncovered.Count == 0, "Operations not exercised both ways:\n" + string.Join("\n", uncovered));
    }

    /// <summary>Every operation of the document had a success; every one behind a key also had a refusal.</summary>
    private List<string> Uncovered()
    {
        var missing = new List<string>();
        foreach (var (_, item) in contract.Document["paths"]!.AsObject())
        {
            foreach (var (_, operation) in item!.AsObject())
            {
                var id = operation!["operationId"]!.GetValue<string>();
                var exchanges = _prism.Exchanges.Where(e => e.Operation == id).ToList();
                if (!exchanges.Any(e => e.Status < 300) && id != StreamFeed)
                {
                    missing.Add($"{id}: no successful exchange");
                }
                var isPublic = operation["security"] is JsonArray { Count: 0 };
                if (!isPublic && !exchanges.Any(e => e.Status >= 400))
                {
                    missing.Add($"{id}: no refused exchange");
                }
            }
        }
        return missing;
    }

    private const string StreamFeed = "streamFeed";

    /// <summary>Sends one request through the proxy and labels the exchange; the JSON answer, or default for another.</summary>
    private async Task<JsonElement> CallAsync(
        HttpClient client, string operation, HttpMethod method, string path, string? body, Expectation expected, int status, string? accept = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var exchange = _prism.Exchanges[^1];
        exchange.Operation = operation;
        exchange.Expected = expected;
        exchange.ExpectedStatus = status;
        return response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.Ordinal) is true && text.Length > 0
            ? JsonDocument.Parse(text).RootElement.Clone()
            : default;
    }

    private Task<JsonElement> GetAsync(HttpClient client, string operation, string path, Expectation expected = Expectation.Valid, int status = 200, string? accept = null) =>
        CallAsync(client, operation, HttpMethod.Get, path, null, expected, status, accept);

    private Task<JsonElement> SendAsync(
        HttpClient client, string operation, HttpMethod method, string path, string? body, Expectation expected = Expectation.Valid, int status = 200, string contentType = "application/json") =>
        CallAsync(client, operation, method, path, body, expected, status, contentType: contentType);

    /// <summary>The story's policy (tests/contract/story/policy.json) for another operation type.</summary>
    private static string Policy(string type)
    {
        var policy = JsonNode.Parse(File.ReadAllText(Path.Combine(ContractTools.ContractFolder, "story", "policy.json")))!;
        policy["operationType"] = type;
        return policy.ToJsonString();
    }
}
