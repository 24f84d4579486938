using System.Text.Json.Nodes;
using Reconciler.Core.Policies;

namespace Reconciler.Core.Tests.Policies;

internal static class PolicySamples
{
    /// <summary>The sample policy of DOMAIN.md, as written there.</summary>
    public const string Order = """
        {
          "operationType": "order",
          "graceSeconds": 300,
          "facets": {
            "payment":      { "owner": "payment-gateway", "states": ["authorized","captured","declined","refunded"],
                              "transitions": { "authorized": ["captured","declined"], "captured": ["refunded"] } },
            "inventory":    { "owner": "warehouse", "states": ["reserved","released","shipped"] },
            "ledger":       { "owner": "erp", "states": ["recorded","reversed"] },
            "journey":      { "owner": "crm", "states": ["browsing","abandoned-cart","purchased"] },
            "notification": { "owner": "email", "states": ["confirmation-sent"], "effect": "once" }
          },
          "expectations": [
            { "when": { "facet": "payment", "state": "captured" }, "expect": { "facet": "ledger", "state": "recorded" }, "within": "PT10M" },
            { "when": { "facet": "payment", "state": "captured" }, "expect": { "facet": "journey", "state": "purchased" }, "within": "PT5M" },
            { "when": { "facet": "notification", "state": "confirmation-sent" }, "expect": { "outcome": "succeeded" }, "within": "PT2M" }
          ],
          "outcomes": [
            { "outcome": "failed",    "when": { "payment": ["declined"] } },
            { "outcome": "succeeded", "when": { "payment": ["captured"], "inventory": ["reserved","shipped"], "ledger": ["recorded"] } }
          ]
        }
        """;

    /// <summary>The order sample with attribute tolerances, a cross-facet match, a rule that requires it, and finalAfter.</summary>
    public const string Amounts = """
        {
          "operationType": "order",
          "graceSeconds": 60,
          "finalAfter": "P1D",
          "facets": {
            "payment": { "owner": "payment-gateway", "states": ["authorized","captured","refunded"],
                         "attributes": { "amount": { "type": "decimal", "tolerance": "0.01" },
                                         "currency": { "type": "exact" },
                                         "capturedAt": { "type": "time", "tolerance": "PT2S" } } },
            "ledger":  { "owner": "erp", "states": ["recorded","reversed"],
                         "attributes": { "amount": { "type": "decimal" }, "currency": { "type": "exact" } } },
            "journey": { "owner": null, "states": ["browsing","purchased"] }
          },
          "matches": [ { "attribute": "amount", "facets": ["payment", "ledger"], "tolerance": "0.5%" },
                       { "attribute": "currency", "facets": ["payment", "ledger"] } ],
          "outcomes": [
            { "outcome": "failed", "when": { "payment": ["refunded"] } },
            { "outcome": "succeeded", "when": { "payment": ["captured"], "ledger": ["recorded"] }, "requireMatches": true }
          ]
        }
        """;

    /// <summary>Reads the amounts sample after <paramref name="change"/> edits it.</summary>
    public static PolicyReadResult ReadAmountsWith(Action<JsonObject> change)
    {
        var root = JsonNode.Parse(Amounts)!.AsObject();
        change(root);
        return PolicyReader.Read(root.ToJsonString());
    }

    public const string KnownPaymentStates = "(known: authorized, captured, declined, refunded)";
    public const string KnownFacets = "(known: payment, inventory, ledger, journey, notification)";

    /// <summary>Reads the order sample after <paramref name="change"/> edits it.</summary>
    public static PolicyReadResult ReadOrderWith(Action<JsonObject> change)
    {
        var root = JsonNode.Parse(Order)!.AsObject();
        change(root);
        return PolicyReader.Read(root.ToJsonString());
    }

    public static JsonObject Facet(JsonObject root, string name) => root["facets"]![name]!.AsObject();

    public static JsonObject Expectation(JsonObject root, int index) => root["expectations"]![index]!.AsObject();

    public static JsonObject Rule(JsonObject root, int index) => root["outcomes"]![index]!.AsObject();

    /// <summary>Asserts the read failed with exactly one problem, at <paramref name="path"/>, whose message contains <paramref name="message"/>.</summary>
    public static void SingleProblem(PolicyReadResult result, string path, string message)
    {
        Assert.False(result.IsValid);
        Assert.Null(result.Policy);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(path, problem.Path);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    /// <summary>The folder holding Reconciler.sln, found by walking up from the test assembly.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Reconciler.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Reconciler.sln above {AppContext.BaseDirectory}");
    }
}
