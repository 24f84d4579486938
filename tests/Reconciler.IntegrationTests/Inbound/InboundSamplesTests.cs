using System.Net;
using System.Text.Json.Nodes;
using Reconciler.Cli;
using Reconciler.IntegrationTests.Api;
using static Reconciler.IntegrationTests.Inbound.InboundSamples;

namespace Reconciler.IntegrationTests.Inbound;

/// <summary>
/// samples/inbound/ as its README plays it, against the real server: the payment provider's event signed by the
/// provider's library, the CloudEvents emitter's two events written by the CloudEvents SDK, and the bank's statement
/// imported with `reconciler import` — no code outside the server — then `reconciler replay` naming each signal's mapping.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InboundSamplesTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private readonly ApiServer _server = api.Server;

    private static string Sample(string path) => File.ReadAllText(Path.Combine(VendorSigner.RepositoryRoot(), "samples", path));

    [Fact]
    public async Task Given_the_three_samples_when_their_systems_send_as_they_are_then_order_2001_is_told_by_all_three_with_provenance()
    {
        await _server.PutPolicyAsync(Sample("policies/order.json"));
        var provider = await PutMappingAsync(_server, "payment-gateway", Sample("inbound/payment-provider/mapping.json"), HttpStatusCode.Created);
        await PutMappingAsync(_server, "warehouse", Sample("inbound/cloudevents/mapping.json"), HttpStatusCode.Created);
        await PutMappingAsync(_server, "bank", Sample("inbound/bank-csv/mapping.json"), HttpStatusCode.Created);
        var secret = JsonNode.Parse(Sample("inbound/payment-provider/mapping.json"))!["secret"]!.GetValue<string>();
        var warehouseKey = await KeyAsync("warehouse");
        var bankKey = await KeyAsync("bank");

        var paid = await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway",
            await VendorSigner.StripeAsync(Sample("inbound/payment-provider/payment_intent.succeeded.json").TrimEnd('\n'), secret, Now));
        var customer = await VendorSigner.SendAsync(_server.Anonymous, "payment-gateway",
            await VendorSigner.StripeAsync(Sample("inbound/payment-provider/customer.created.json").TrimEnd('\n'), secret, Now));
        var warehouse = _server.ClientFor(warehouseKey);
        var reserved = await VendorSigner.SendAsync(warehouse, "warehouse", await VendorSigner.CloudEventAsync(binary: true, new JsonObject
        {
            ["id"] = "ce-2001-reserved", ["source"] = "/warehouse/berlin", ["type"] = "com.example.warehouse.stock.reserved", ["subject"] = "order-2001",
            ["time"] = "2025-12-06T09:32:00Z", ["datacontenttype"] = "application/json", ["data"] = new JsonObject { ["sku"] = "SKU-42" },
        }));
        var shipped = await VendorSigner.SendAsync(warehouse, "warehouse", await VendorSigner.CloudEventAsync(binary: false, new JsonObject
        {
            ["id"] = "ce-parcel-77", ["source"] = "/warehouse/berlin", ["type"] = "com.example.warehouse.parcel.shipped",
            ["time"] = "2025-12-06T15:00:00Z", ["datacontenttype"] = "application/json", ["data"] = new JsonObject { ["carrier"] = "dhl", ["orders"] = new JsonArray("order-2001", "order-2002") },
        }));
        var statement = Path.Combine(VendorSigner.RepositoryRoot(), "samples", "inbound", "bank-csv", "statement.csv");
        var first = new StringWriter();
        await ImportCommand.RunAsync(_server.BaseAddress.ToString(), bankKey, first, statement, "bank", CancellationToken.None);
        var again = new StringWriter();
        await ImportCommand.RunAsync(_server.BaseAddress.ToString(), bankKey, again, statement, "bank", CancellationToken.None);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Accepted), (paid.Status, customer.Status));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (reserved.Status, shipped.Status));
        Assert.Equal(2, OnlyDelivery(shipped.Body).GetProperty("results").GetArrayLength());
        // rows, signals, accepted, recorded, duplicates, rejected, unmatched — then the rows that made no signal.
        Assert.Matches(@"│ 4\s+│ 2\s+│ 2\s+│ 0\s+│ 0\s+│ 1\s+│ 1\s+│", first.ToString());
        Assert.Contains("order 2003", first.ToString(), StringComparison.Ordinal);
        Assert.Matches(@"│ 4\s+│ 2\s+│ 0\s+│ 0\s+│ 2\s+│ 1\s+│ 1\s+│", again.ToString());

        var replay = new StringWriter();
        await ReplayCommand.RunAsync(_server.BaseAddress.ToString(), ApiServer.AdminSecret, replay, new ReplayCommand.Request("order-2001", null, null, null, false), CancellationToken.None);
        var timeline = replay.ToString();
        Assert.Contains($"evt_3QsamplePaid: payment = captured (via inbound v{provider.GetProperty("version").GetInt32()}, delivery {OnlyDelivery(paid.Body).GetProperty("deliveryId").GetInt64()})", timeline, StringComparison.Ordinal);
        Assert.Contains("ce-2001-reserved: inventory = reserved (via inbound v1, delivery", timeline, StringComparison.Ordinal);
        Assert.Contains("BNK-0001: payment = captured (via inbound v1, import", timeline, StringComparison.Ordinal);
        Assert.Contains("row 2)", timeline, StringComparison.Ordinal);
    }

    private async Task<string> KeyAsync(string source)
    {
        var created = await _server.Admin.PostAsync("/v1/keys", ApiServer.Json($$"""{ "role": "source", "source": "{{source}}" }"""));
        return System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
    }
}
