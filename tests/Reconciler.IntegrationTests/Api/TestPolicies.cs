namespace Reconciler.IntegrationTests.Api;

/// <summary>The sample policies with grace windows and deadlines short enough for tests to watch them pass.</summary>
public static class TestPolicies
{
    public static string Order(int graceSeconds = 300, string ledgerWithin = "PT10M", string journeyWithin = "PT5M", string notificationWithin = "PT2M", string type = "order") => $$"""
        {
          "operationType": "{{type}}",
          "graceSeconds": {{graceSeconds}},
          "facets": {
            "payment":      { "owner": "payment-gateway", "states": ["authorized","captured","declined","refunded"],
                              "transitions": { "authorized": ["captured","declined"], "captured": ["refunded"] } },
            "inventory":    { "owner": "warehouse", "states": ["reserved","released","shipped"] },
            "ledger":       { "owner": "erp", "states": ["recorded","reversed"] },
            "journey":      { "owner": "crm", "states": ["browsing","abandoned-cart","purchased"] },
            "notification": { "owner": "email", "states": ["confirmation-sent"], "effect": "once" }
          },
          "expectations": [
            { "when": { "facet": "payment", "state": "captured" }, "expect": { "facet": "ledger", "state": "recorded" }, "within": "{{ledgerWithin}}" },
            { "when": { "facet": "payment", "state": "captured" }, "expect": { "facet": "journey", "state": "purchased" }, "within": "{{journeyWithin}}" },
            { "when": { "facet": "notification", "state": "confirmation-sent" }, "expect": { "outcome": "succeeded" }, "within": "{{notificationWithin}}" }
          ],
          "outcomes": [
            { "outcome": "failed",    "when": { "payment": ["declined"] } },
            { "outcome": "succeeded", "when": { "payment": ["captured"], "inventory": ["reserved","shipped"], "ledger": ["recorded"] } }
          ]
        }
        """;

    /// <summary>
    /// The order with people accountable (docs/domain.md, "Accountability"): invalid transitions are the payments team's, the
    /// ledger finance's, anything else order-ops'; clocks by severity, escalation to ops-leads, and a finish clock when given.
    /// </summary>
    public static string Accountable(string high = "PT4H", string medium = "P1D", string? finishWithin = null, string type = "order")
    {
        var policy = System.Text.Json.Nodes.JsonNode.Parse(Order(type: type))!.AsObject();
        var accountability = System.Text.Json.Nodes.JsonNode.Parse($$"""
            { "owner": "order-ops", "facets": { "ledger": "finance" }, "kinds": { "invalid-transition": "payments-team" },
              "resolveWithin": { "high": "{{high}}", "medium": "{{medium}}" }, "escalateTo": "ops-leads" }
            """)!;
        if (finishWithin is not null)
        {
            accountability["finishWithin"] = finishWithin;
        }
        policy["accountability"] = accountability;
        return policy.ToJsonString();
    }

    public static string Subscription(int graceSeconds = 300, string within = "PT5M", string type = "subscription") => $$"""
        {
          "operationType": "{{type}}",
          "graceSeconds": {{graceSeconds}},
          "facets": {
            "billing":     { "owner": "billing", "states": ["paid","past-due","cancelled"] },
            "entitlement": { "owner": "entitlement-service", "states": ["active","suspended","revoked"] },
            "journey":     { "owner": "crm", "states": ["active","expired","churned"] },
            "playback":    { "owner": "device", "states": ["allowed","blocked"] }
          },
          "expectations": [
            { "when": { "facet": "billing", "state": "paid" }, "expect": { "facet": "entitlement", "state": "active" }, "within": "{{within}}" },
            { "when": { "facet": "billing", "state": "paid" }, "expect": { "facet": "playback", "state": "allowed" }, "within": "{{within}}" },
            { "when": { "facet": "billing", "state": "paid" }, "expect": { "facet": "journey", "state": "active" }, "within": "{{within}}" }
          ],
          "outcomes": [
            { "outcome": "failed",    "when": { "billing": ["cancelled"] } },
            { "outcome": "failed",    "when": { "entitlement": ["revoked"] } },
            { "outcome": "succeeded", "when": { "billing": ["paid"], "entitlement": ["active"], "playback": ["allowed"] } }
          ]
        }
        """;

    /// <summary>
    /// Amounts that must agree (as docs/domain.md's example): the gateway's payment and the ERP's ledger each carry an
    /// amount (the payment's within a cent) and a currency; the two amounts must match within 0.5% and the currencies
    /// exactly; succeeded requires that; an agreed outcome becomes final after <paramref name="finalAfter"/>.
    /// </summary>
    public static string Payment(int graceSeconds = 300, string? finalAfter = "P1D", string type = "payment") => $$"""
        {
          "operationType": "{{type}}",
          "graceSeconds": {{graceSeconds}},
          {{(finalAfter is null ? "" : $"\"finalAfter\": \"{finalAfter}\",")}}
          "facets": {
            "payment": { "owner": "payment-gateway", "states": ["authorized","captured","refunded"],
                         "attributes": { "amount": { "type": "decimal", "tolerance": "0.01" },
                                         "currency": { "type": "exact" },
                                         "capturedAt": { "type": "time", "tolerance": "PT2S" } } },
            "ledger":  { "owner": "erp", "states": ["recorded","reversed"],
                         "attributes": { "amount": { "type": "decimal" }, "currency": { "type": "exact" } } }
          },
          "matches": [ { "attribute": "amount", "facets": ["payment", "ledger"], "tolerance": "0.5%" },
                       { "attribute": "currency", "facets": ["payment", "ledger"] } ],
          "outcomes": [
            { "outcome": "failed",    "when": { "payment": ["refunded"] } },
            { "outcome": "succeeded", "when": { "payment": ["captured"], "ledger": ["recorded"] }, "requireMatches": true }
          ]
        }
        """;
}
