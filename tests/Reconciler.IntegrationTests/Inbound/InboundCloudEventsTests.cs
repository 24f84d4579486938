using System.Net;
using System.Net.Mime;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using Reconciler.IntegrationTests.Api;
using static Reconciler.IntegrationTests.Inbound.InboundSamples;

namespace Reconciler.IntegrationTests.Inbound;

/// <summary>
/// A CloudEvents source: events written by the CNCF SDKs themselves (CloudNative.CloudEvents for .NET, cloudevents for
/// JavaScript) in binary mode, structured mode and as a batch, each mapped by expressions over its attributes and data.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InboundCloudEventsTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly ApiServer _server = api.Server;
    private HttpClient _warehouse = null!;
    private HttpClient _auditor = null!;

    public async Task InitializeAsync()
    {
        await _server.PutPolicyAsync(TestPolicies.Order());
        _warehouse = await _server.ClientWithRoleAsync("source", source: "warehouse");
        _auditor = await _server.ClientWithRoleAsync("auditor", name: "ann");
        await PutMappingAsync(_server, "warehouse", """
            { "format": "cloudevents", "verify": { "scheme": "key" },
              "rules": [ { "when": "type == 'com.example.stock.reserved'", "operationId": "subject", "operationType": "'order'",
                           "signalId": "id", "facet": "'inventory'", "state": "'reserved'", "observedAt": "time",
                           "attributes": { "sku": "data.sku", "origin": "source" } } ] }
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static CloudEvent Reserved(string id, string order) => new()
    {
        Id = id, Source = new Uri("/warehouse/berlin", UriKind.Relative), Type = "com.example.stock.reserved", Subject = order,
        Time = DateTimeOffset.Parse("2026-12-01T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
        DataContentType = "application/json", Data = new JsonObject { ["sku"] = "SKU-1" },
    };

    private async Task<(HttpStatusCode Status, JsonElement Answer)> PostAsync(HttpContent content)
    {
        using var response = await _warehouse.PostAsync("/v1/inbound/warehouse", content);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task<JsonElement> InventoryClaimAsync(string order) =>
        (await ApiCalls.GetJsonAsync(_auditor, $"/v1/operations/{order}")).GetProperty("facets").GetProperty("inventory").GetProperty("claims")[0];

    [Theory]
    [InlineData(ContentMode.Binary)]
    [InlineData(ContentMode.Structured)]
    public async Task Given_a_cloudevent_written_by_the_dotnet_sdk_when_it_is_posted_then_its_attributes_and_data_map_the_signal(ContentMode mode)
    {
        var order = $"order-ce-{mode}";
        var (status, answer) = await PostAsync(Reserved($"ce-{mode}", order).ToHttpContent(mode, new JsonEventFormatter()));

        Assert.True(status == HttpStatusCode.OK, answer.ToString());
        Assert.Equal("accepted", OnlyDelivery(answer).GetProperty("results")[0].GetProperty("status").GetString());
        var claim = await InventoryClaimAsync(order);
        Assert.Equal(("reserved", $"ce-{mode}"), (claim.GetProperty("state").GetString(), claim.GetProperty("signalId").GetString()));
        Assert.Equal(DateTimeOffset.Parse("2026-12-01T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture), claim.GetProperty("observedAt").GetDateTimeOffset());
        Assert.Equal("""{"sku":"SKU-1","origin":"/warehouse/berlin"}""", claim.GetProperty("attributes").GetRawText());
    }

    [Fact]
    public async Task Given_a_batch_of_cloudevents_with_one_unknown_type_when_it_is_posted_then_each_event_is_its_own_delivery()
    {
        var odd = Reserved("ce-b3", "order-ce-b3");
        odd.Type = "com.example.stock.counted";
        var batch = new List<CloudEvent> { Reserved("ce-b1", "order-ce-b1"), Reserved("ce-b2", "order-ce-b2"), odd };

        var (status, answer) = await PostAsync(batch.ToHttpContent(new JsonEventFormatter()));

        Assert.Equal(HttpStatusCode.Accepted, status);
        var deliveries = answer.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("status").GetString()).ToList();
        Assert.Equal(["ingested", "ingested", "quarantined"], deliveries);
        Assert.Equal("reserved", (await InventoryClaimAsync("order-ce-b2")).GetProperty("state").GetString());
        var kept = (await ApiCalls.GetJsonAsync(_auditor, "/v1/sources/warehouse/inbound/unmatched")).GetProperty("items").EnumerateArray()
            .Single(k => k.GetProperty("payload").GetString()!.Contains("ce-b3", StringComparison.Ordinal));
        Assert.Equal("application/cloudevents+json", kept.GetProperty("contentType").GetString());
        Assert.Equal("com.example.stock.counted", JsonDocument.Parse(kept.GetProperty("payload").GetString()!).RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Given_a_cloudevent_written_by_the_javascript_sdk_in_binary_mode_when_it_is_posted_then_it_is_ingested()
    {
        var delivery = await VendorSigner.CloudEventAsync(binary: true, new JsonObject
        {
            ["specversion"] = "1.0", ["id"] = "ce-js-1", ["source"] = "/warehouse/hamburg", ["type"] = "com.example.stock.reserved",
            ["subject"] = "order-ce-js", ["time"] = "2026-12-01T09:00:00Z", ["datacontenttype"] = "application/json", ["data"] = new JsonObject { ["sku"] = "SKU-9" },
        });

        var (status, answer) = await VendorSigner.SendAsync(_warehouse, "warehouse", delivery);

        Assert.True(status == HttpStatusCode.OK, answer.ToString());
        Assert.Equal("""{"sku":"SKU-9","origin":"/warehouse/hamburg"}""", (await InventoryClaimAsync("order-ce-js")).GetProperty("attributes").GetRawText());
    }

    [Fact]
    public async Task Given_requests_that_are_not_valid_cloudevents_when_they_are_posted_then_400_invalid_cloudevent_and_nothing_is_stored()
    {
        var before = (await StoredRows.CountAsync(api.Database.DataSource), await DeliveryRowsAsync(api.Database.DataSource, "warehouse"));
        using var plain = new StringContent("""{"sku":"SKU-1"}""", System.Text.Encoding.UTF8, "application/json");
        using var missingId = new StringContent("""{"specversion":"1.0","source":"/w","type":"t"}""", System.Text.Encoding.UTF8, "application/cloudevents+json");
        using var badBatch = new StringContent("""[{"specversion":"1.0","id":"x"}]""", System.Text.Encoding.UTF8, "application/cloudevents-batch+json");

        foreach (var content in new HttpContent[] { plain, missingId, badBatch })
        {
            var (status, problem) = await PostAsync(content);
            Assert.Equal((HttpStatusCode.BadRequest, "invalid-cloudevent"), (status, Slug(problem)));
        }
        Assert.Equal(before, (await StoredRows.CountAsync(api.Database.DataSource), await DeliveryRowsAsync(api.Database.DataSource, "warehouse")));
    }
}
