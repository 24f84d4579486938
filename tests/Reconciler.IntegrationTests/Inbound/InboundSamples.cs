using System.Net;
using System.Text.Json;
using Npgsql;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Inbound;

/// <summary>The mappings and payloads the inbound tests share: a payment provider's event as Stripe sends it, and helpers.</summary>
public static class InboundSamples
{
    public const string StripeSecret = "whsec_test_5d2ebd1c6f0b4a7e9b3c8d1e2f3a4b5c";

    /// <summary>The example: a payment intent that succeeded becomes the order's payment, captured.</summary>
    public static string StripeMapping(string secret = StripeSecret, string extraRules = "") => $$"""
        { "verify": { "scheme": "stripe" },
          "secret": "{{secret}}",
          "rules": [
            { "when": "type == 'payment_intent.succeeded'",
              "operationId": "data.object.metadata.order_id", "operationType": "'order'",
              "signalId": "id", "facet": "'payment'", "state": "'captured'",
              "observedAt": "created",
              "attributes": { "amount": "data.object.amount_received", "currency": "data.object.currency" } }{{extraRules}} ] }
        """;

    public static string PaymentIntent(string eventId, string orderId, string type = "payment_intent.succeeded", long created = 1_765_000_000) =>
        "{\"id\":\"" + eventId + "\",\"object\":\"event\",\"type\":\"" + type + "\",\"created\":" + created.ToString(System.Globalization.CultureInfo.InvariantCulture) +
        ",\"data\":{\"object\":{\"id\":\"pi_" + eventId + "\",\"amount_received\":12990,\"currency\":\"eur\",\"metadata\":{\"order_id\":\"" + orderId + "\"}}}}";

    /// <summary>Stores a mapping; without <paramref name="expected"/>, a new version or the same one again (setups run before every test of a class).</summary>
    public static async Task<JsonElement> PutMappingAsync(ApiServer server, string source, string mapping, HttpStatusCode? expected = null)
    {
        var response = await server.Admin.PutAsync($"/v1/sources/{source}/inbound", ApiServer.Json(mapping));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected is { } status ? response.StatusCode == status : response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK,
            $"PUT mapping of {source}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Delivery rows of a source (any status): a refused delivery must leave none.</summary>
    public static async Task<long> DeliveryRowsAsync(NpgsqlDataSource dataSource, string source)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM inbound_deliveries WHERE source = $1");
        command.Parameters.AddWithValue(source);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static string Slug(JsonElement problem) => problem.GetProperty("type").GetString()!.Replace("https://reconciler.dev/problems/", "", StringComparison.Ordinal);

    public static JsonElement OnlyDelivery(JsonElement answer) => Assert.Single(answer.GetProperty("deliveries").EnumerateArray());
}
