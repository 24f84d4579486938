namespace Reconciler.IntegrationTests.Contract;

public sealed partial class WireValidationTests
{
    private const string OwnedPolicy = """
        { "facets": { "payment": { "owner": "payment-gateway", "states": ["authorized", "captured", "refunded"],
                                   "transitions": { "authorized": ["captured"], "captured": ["refunded"] } } },
          "outcomes": [ { "outcome": "succeeded", "when": { "payment": ["captured"] } } ],
          "accountability": { "owner": "order-ops", "facets": { "payment": "payments" }, "kinds": { "unfinished": "order-ops" },
                              "resolveWithin": { "high": "PT4H", "medium": "P1D" }, "escalateTo": "ops-leads", "finishWithin": "P2D" } }
        """;

    /// <summary>A policy with owners and clocks, the people's steps on one of its conflicts, the queue's filters and the report.</summary>
    private async Task PlayAccountabilityAsync(HttpClient gateway, HttpClient auditor, HttpClient resolver, string closedConflictId)
    {
        await SendAsync(_admin, "putPolicy", Put, "/v1/policies/owned", OwnedPolicy, status: 201);
        await SendAsync(_admin, "putPolicy", Put, "/v1/policies/owned", OwnedPolicy.Replace("\"high\"", "\"urgent\"", StringComparison.Ordinal), Expectation.Refused, 422);
        await SendAsync(_admin, "putPolicy", Put, "/v1/policies/owned", OwnedPolicy.Replace("\"order-ops\", \"facets\"", "7, \"facets\"", StringComparison.Ordinal), Expectation.Invalid, 422);
        await GetAsync(auditor, "getPolicy", "/v1/policies/owned");
        string Owned(string signalId, string state) => Signal("ow-1", signalId, "payment", state).Replace("\"wire\"", "\"owned\"", StringComparison.Ordinal);
        await SendAsync(gateway, "postSignals", Post, "/v1/signals", $$"""{ "signals": [ {{Owned("ow-a", "authorized")}}, {{Owned("ow-b", "refunded")}} ] }""");
        var queue = await GetAsync(auditor, "listConflicts", "/v1/conflicts?operationId=ow-1&assignee=payments&overdue=false&acknowledged=false&snoozed=false");
        var id = queue.GetProperty("items")[0].GetProperty("conflictId").GetString();
        await GetAsync(auditor, "listConflicts", "/v1/conflicts?overdue=maybe", Expectation.Refused, 400);

        await SendAsync(resolver, "acknowledgeConflict", Post, $"/v1/conflicts/{id}/acknowledge", null);
        await SendAsync(resolver, "acknowledgeConflict", Post, $"/v1/conflicts/{id}/acknowledge", "{}");
        await SendAsync(resolver, "acknowledgeConflict", Post, $"/v1/conflicts/{id}/acknowledge", "[]", Expectation.Invalid, 400);
        await SendAsync(resolver, "acknowledgeConflict", Post, $"/v1/conflicts/{closedConflictId}/acknowledge", null, Expectation.Refused, 409);
        await SendAsync(resolver, "acknowledgeConflict", Post, "/v1/conflicts/nothing/acknowledge", null, Expectation.Refused, 404);
        await SendAsync(auditor, "acknowledgeConflict", Post, $"/v1/conflicts/{id}/acknowledge", null, Expectation.Refused, 403);
        var until = DateTimeOffset.UtcNow.AddHours(2).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        await SendAsync(resolver, "snoozeConflict", Post, $"/v1/conflicts/{id}/snooze", $$"""{ "until": "{{until}}", "reason": "waiting for the bank" }""");
        await SendAsync(resolver, "snoozeConflict", Post, $"/v1/conflicts/{id}/snooze", """{ "until": "2020-01-01T00:00:00Z", "reason": "late" }""", Expectation.Refused, 422);
        await SendAsync(resolver, "snoozeConflict", Post, $"/v1/conflicts/{id}/snooze", """{ "reason": "when?" }""", Expectation.Invalid, 400);
        await SendAsync(resolver, "snoozeConflict", Post, "/v1/conflicts/nothing/snooze", """{ "until": "2999-01-01T00:00:00Z", "reason": "r" }""", Expectation.Refused, 404);
        await GetAsync(auditor, "listConflicts", "/v1/conflicts?operationId=ow-1&snoozed=true");
        await SendAsync(resolver, "assignConflict", Post, $"/v1/conflicts/{id}/assign", """{ "assignee": "finance", "reason": "a ledger matter" }""");
        await SendAsync(resolver, "assignConflict", Post, $"/v1/conflicts/{id}/assign", """{ "assignee": "finance", "reason": "again" }""", Expectation.Refused, 409);
        await SendAsync(resolver, "assignConflict", Post, $"/v1/conflicts/{id}/assign", """{ "assignee": "the finance team", "reason": "r" }""", Expectation.Refused, 422);
        await SendAsync(resolver, "assignConflict", Post, $"/v1/conflicts/{id}/assign", """{ "assignee": ["finance"], "reason": "r" }""", Expectation.Invalid, 400);
        await SendAsync(resolver, "assignConflict", Post, "/v1/conflicts/nothing/assign", """{ "assignee": "finance", "reason": "r" }""", Expectation.Refused, 404);

        await GetAsync(auditor, "getAccountabilityReport", "/v1/reports/accountability");
        await GetAsync(auditor, "getAccountabilityReport", $"/v1/reports/accountability?from={Uri.EscapeDataString("2026-01-01T00:00:00Z")}&to={Uri.EscapeDataString("2999-01-01T00:00:00Z")}");
        await GetAsync(auditor, "getAccountabilityReport", "/v1/reports/accountability?to=friday", Expectation.Refused, 400);
    }
}
