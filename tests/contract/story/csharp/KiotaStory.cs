using System.Net.Http.Headers;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Story.Kiota;
using Story.Kiota.Models;

namespace Story;

/// <summary>
/// The story of docs/api.md with the client Kiota generates: no casts. Kiota types no map (an object whose values
/// have a schema: a policy's facets, the truth's facets), nor the models only maps reach: their values are written
/// and read as Kiota's untyped JSON nodes, by pattern.
/// </summary>
public static class KiotaStory
{
    public static async Task RunAsync(Uri baseUrl, string adminKey, string run)
    {
        var admin = Client(baseUrl, adminKey);
        var type = $"kiota-{run}";
        var operationId = $"kiota-order-{run}";

        // A policy with expectations (a facet's state, and an outcome), an unowned facet, exact and tolerant attributes.
        var policy = new PolicyContract
        {
            GraceSeconds = 0,
            Facets = new PolicyContract_facets
            {
                AdditionalData = new Dictionary<string, object>
                {
                    ["payment"] = Object(
                        ("owner", new UntypedString("payment-gateway")),
                        ("states", Strings("authorized", "captured", "refunded")),
                        ("attributes", Object(
                            ("amount", Object(("type", new UntypedString("decimal")), ("tolerance", new UntypedString("0.01")))),
                            ("currency", Object(("type", new UntypedString("exact"))))))),
                    ["ledger"] = Object(
                        ("owner", new UntypedString("erp")),
                        ("states", Strings("recorded", "reversed")),
                        ("attributes", Object(("amount", Object(("type", new UntypedString("decimal"))))))),
                    ["notification"] = Object(("states", Strings("sent"))),
                },
            },
            Matches = [new MatchContract { Attribute = "amount", Facets = ["payment", "ledger"], Tolerance = "0.5%" }],
            Expectations =
            [
                new ExpectationContract { When = new() { Facet = "payment", State = "captured" }, Expect = new() { Facet = "ledger", State = "recorded" }, Within = "PT10M" },
                new ExpectationContract { When = new() { Facet = "notification", State = "sent" }, Expect = new() { Outcome = "succeeded" }, Within = "PT10M" },
            ],
            Outcomes =
            [
                new OutcomeRuleContract { Outcome = "failed", When = new OutcomeRuleContract_when { AdditionalData = new Dictionary<string, object> { ["payment"] = Strings("refunded") } } },
                new OutcomeRuleContract
                {
                    Outcome = "succeeded",
                    When = new OutcomeRuleContract_when { AdditionalData = new Dictionary<string, object> { ["payment"] = Strings("captured"), ["ledger"] = Strings("recorded") } },
                },
            ],
        };
        var put = await admin.V1.Policies[type].PutAsync(policy);
        Check(put?.Version == 1, $"policy version {put?.Version}");
        var stored = await admin.V1.Policies[type].GetAsync();
        Check(stored?.Facets?.AdditionalData["notification"] is UntypedObject notification && notification.GetValue()["owner"] is UntypedNull,
            "the unowned facet's owner is null");

        // Keys.
        var gateway = Client(baseUrl, await KeyAsync(admin, new KeyRequestContract { Role = "source", Source = "payment-gateway" }));
        var erp = Client(baseUrl, await KeyAsync(admin, new KeyRequestContract { Role = "source", Source = "erp" }));
        var resolver = Client(baseUrl, await KeyAsync(admin, new KeyRequestContract { Role = "resolver", Name = "rita" }));

        // One signal, then a batch.
        var one = await gateway.V1.Signals.PostAsync(new SignalsBodyContract
        {
            OperationId = operationId, OperationType = type, SignalId = $"g-{run}", Facet = "payment", State = "captured",
            Attributes = new SignalsBodyContract_attributes { AdditionalData = new Dictionary<string, object> { ["amount"] = "129.90", ["currency"] = "EUR" } },
        });
        Check(one?.Results?.Single().Status == "accepted", $"one signal accepted: {one?.Results?.Single().Status} {one?.Results?.Single().Problem?.Detail}");
        var batch = await erp.V1.Signals.PostAsync(new SignalsBodyContract
        {
            Signals =
            [
                new SignalContract
                {
                    OperationId = operationId, OperationType = type, SignalId = $"e-{run}", Facet = "ledger", State = "recorded",
                    Attributes = new SignalContract_attributes { AdditionalData = new Dictionary<string, object> { ["amount"] = "129.00" } },
                },
                new SignalContract { OperationId = operationId, OperationType = type, SignalId = $"n-{run}", Facet = "notification", State = "sent" },
            ],
        });
        Check(batch?.Results is { Count: 2 } results && results.All(r => r.Status == "accepted"), "the batch accepted");

        // The truth.
        var truth = await admin.V1.Operations[operationId].GetAsync();
        Check(Field(truth?.Facets?.AdditionalData, "payment", "state") == "captured", "payment is captured");
        Check(Field(truth?.Facets?.AdditionalData, "notification", "basis") == "provisional", "the unowned facet is provisional");
        Check(truth?.Version >= 3, $"version {truth?.Version}");

        // The conflicts list, with the amounts that differ, keyed by source.
        ConflictRecordContract? conflict = null;
        for (var attempt = 0; attempt < 100 && conflict is null; attempt++)
        {
            var page = await admin.V1.Conflicts.GetAsync(request =>
            {
                request.QueryParameters.OperationId = operationId;
                request.QueryParameters.Kind = "attribute-mismatch";
            });
            conflict = page?.Items?.FirstOrDefault();
            if (conflict is null)
            {
                await Task.Delay(100);
            }
        }
        Check(conflict is not null, "an attribute-mismatch conflict opened");
        var values = conflict!.Differences?.First().Values?.AdditionalData;
        Check(conflict.Differences?.First().Field == "amount" && Text(values, "erp") == "129.00" && Text(values, "payment-gateway") == "129.90",
            $"differences: {string.Join(", ", values?.Select(v => $"{v.Key}={v.Value}") ?? [])}");

        // Resolve it.
        var resolved = await resolver.V1.Conflicts[conflict.ConflictId!].Resolve.PostAsync(new ResolveRequestContract { Resolution = "accepted", Reason = "the ledger rounds" });
        Check(resolved?.Status == "resolved" && resolved.ResolvedBy == "rita", $"resolved: {resolved?.Status} by {resolved?.ResolvedBy}");
    }

    private static async Task<string> KeyAsync(KiotaClient admin, KeyRequestContract request) =>
        (await admin.V1.Keys.PostAsync(request))?.Key ?? throw new InvalidOperationException("kiota story failed: no key");

    private static UntypedObject Object(params (string Name, UntypedNode Value)[] properties) =>
        new(properties.ToDictionary(p => p.Name, p => p.Value));

    private static UntypedArray Strings(params string[] values) => new([.. values.Select(v => new UntypedString(v))]);

    /// <summary>A text value of a map of JSON values (Kiota gives a map's text, number and boolean values as such, other values as nodes).</summary>
    private static string? Text(IDictionary<string, object>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) && value is string text ? text : null;

    /// <summary>A text field of an object in a map.</summary>
    private static string? Field(IDictionary<string, object>? map, string key, string field) =>
        map is not null && map.TryGetValue(key, out var value) && value is UntypedObject item && item.GetValue().TryGetValue(field, out var node) && node is UntypedString text
            ? text.GetValue()
            : null;

    private static KiotaClient Client(Uri baseUrl, string key)
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new KiotaClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = baseUrl.ToString().TrimEnd('/') });
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"kiota story failed: {what}");
        }
    }
}
