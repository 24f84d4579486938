using System.Text.Json;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Contract;

public sealed partial class WireValidationTests
{
    private static readonly HttpMethod Get = HttpMethod.Get;
    private static readonly HttpMethod Post = HttpMethod.Post;
    private static readonly HttpMethod Put = HttpMethod.Put;
    private static readonly HttpMethod Patch = HttpMethod.Patch;
    private static readonly HttpMethod Delete = HttpMethod.Delete;

    private async Task PlayAsync()
    {
        var anonymous = _prism.Client(null);
        await GetAsync(anonymous, "getHealth", "/healthz");
        await GetAsync(anonymous, "getReadiness", "/readyz");
        await GetAsync(_admin, "getOpenApiDocument", "/v1/openapi.json");
        await GetAsync(anonymous, "getOpenApiDocument", "/v1/openapi.json", Expectation.Invalid, 401);

        // Keys: the clients of the rest of the story.
        var gateway = _prism.Client(await KeyAsync("""{ "role": "source", "source": "payment-gateway" }"""));
        var erp = _prism.Client(await KeyAsync("""{ "role": "source", "source": "erp" }"""));
        var auditor = _prism.Client(await KeyAsync("""{ "role": "auditor", "name": "ann" }"""));
        var rita = _prism.Client(await KeyAsync("""{ "role": "resolver", "name": "rita" }"""));
        var rob = _prism.Client(await KeyAsync("""{ "role": "resolver", "name": "rob" }"""));
        var spare = await SendAsync(_admin, "createKey", Post, "/v1/keys", """{ "role": "admin" }""", status: 201);
        await SendAsync(_admin, "createKey", Post, "/v1/keys", """{ "role": "pilot" }""", Expectation.Refused, 400);
        await SendAsync(_admin, "createKey", Post, "/v1/keys", """["auditor"]""", Expectation.Invalid, 400);
        await SendAsync(auditor, "createKey", Post, "/v1/keys", """{ "role": "admin" }""", Expectation.Refused, 403);
        await SendAsync(_admin, "revokeKey", Delete, $"/v1/keys/{spare.GetProperty("id").GetString()}", null, status: 204);
        await SendAsync(_admin, "revokeKey", Delete, "/v1/keys/nobody", null, Expectation.Refused, 404);

        // Policies.
        await SendAsync(_admin, "putPolicy", Put, "/v1/policies/wire", Policy("wire"), status: 201);
        await SendAsync(_admin, "putPolicy", Put, "/v1/policies/wire", Policy("wire"));
        await SendAsync(_admin, "putPolicy", Put, "/v1/policies/plain", """{ "facets": { "payment": { "owner": "payment-gateway", "states": ["captured"] } } }""", status: 201);
        await SendAsync(_admin, "putPolicy", Put, "/v1/policies/wire", """{ "facets": { "payment": { "states": ["captured"], "transitons": {} } } }""", Expectation.Refused, 422);
        await SendAsync(_admin, "putPolicy", Put, "/v1/policies/wire", """{ "graceSeconds": "soon", "facets": { "payment": { "states": ["captured"] } } }""", Expectation.Invalid, 422);
        await SendAsync(_admin, "putPolicy", Put, "/v1/policies/wire", """{ "facets": { "payment": { "states": ["captured"] } }, "expectations": [ { "when": { "facet": "payment", "state": "captured" }, "expect": { "facet": "payment" }, "within": "PT1M" } ] }""", Expectation.Invalid, 422);
        await SendAsync(_admin, "putPolicy", Put, "/v1/policies/plain?rejudge=false", """{ "facets": { "payment": { "owner": "payment-gateway", "states": ["captured", "refunded"] } } }""", status: 201);
        await SendAsync(_admin, "putPolicy", Put, "/v1/policies/plain?rejudge=maybe", """{ "facets": { "payment": { "states": ["captured"] } } }""", Expectation.Invalid, 400);
        await SendAsync(_admin, "rejudgePolicy", Post, "/v1/policies/plain/rejudge", null, status: 202);
        await SendAsync(_admin, "rejudgePolicy", Post, "/v1/policies/plain/rejudge", """{ "policyVersion": 2 }""", status: 202);
        await SendAsync(_admin, "rejudgePolicy", Post, "/v1/policies/plain/rejudge", """{ "policyVersion": 1 }""", Expectation.Refused, 409);
        await SendAsync(_admin, "rejudgePolicy", Post, "/v1/policies/plain/rejudge", """{ "policyVersion": "two" }""", Expectation.Invalid, 400);
        await SendAsync(_admin, "rejudgePolicy", Post, "/v1/policies/nothing/rejudge", null, Expectation.Refused, 404);
        await GetAsync(gateway, "getPolicy", "/v1/policies/wire");
        await GetAsync(auditor, "getPolicy", "/v1/policies/plain?version=1");
        await GetAsync(auditor, "getPolicy", "/v1/policies/nothing", Expectation.Refused, 404);
        await GetAsync(auditor, "getPolicy", "/v1/policies/wire?version=9", Expectation.Refused, 404);
        await GetAsync(auditor, "getPolicy", "/v1/policies/wire?version=first", Expectation.Invalid, 400);

        // Signals: one, a batch (a mismatched amount, an unowned facet), and the refusals.
        await SendAsync(gateway, "postSignals", Post, "/v1/signals", Signal("w-1", "g-1", "payment", "captured", """, "observedAt": "2026-12-06T10:00:00Z", "sourceSequence": 1, "effectKey": "txn-1", "correlationId": "c-1", "causationId": "o-1", "attributes": { "amount": "129.90", "currency": "EUR" }"""));
        await SendAsync(erp, "postSignals", Post, "/v1/signals", $$"""{ "signals": [ {{Signal("w-1", "e-1", "ledger", "recorded", """, "attributes": { "amount": "129.00", "currency": "EUR" }""")}}, {{Signal("w-1", "e-2", "notification", "sent")}}, {{Signal("w-1", "e-3", "payment", "authorized")}} ] }""");
        await SendAsync(_admin, "postSignals", Post, "/v1/signals", Signal("w-2", "g-2", "payment", "authorized", """, "source": "payment-gateway" """));
        await SendAsync(gateway, "postSignals", Post, "/v1/signals", Signal("w-3", "g-3", "payment", "captured").Replace("\"wire\"", "\"parcel\"", StringComparison.Ordinal));
        await SendAsync(gateway, "postSignals", Post, "/v1/signals", """{ "operationId": "w-4" }""", Expectation.Invalid, 400);
        await SendAsync(gateway, "postSignals", Post, "/v1/signals", """{ "signals": "none" }""", Expectation.Invalid, 400);
        await SendAsync(gateway, "postSignals", Post, "/v1/signals", Signal("w-4", "g-4", "payment", "captured", """, "sourceSequence": "two" """), Expectation.Invalid, 400);
        await SendAsync(gateway, "postSignals", Post, "/v1/signals", Signal("w-4", "g-4", "payment", "captured", """, "source": "erp" """), Expectation.Refused, 403);
        await SendAsync(_admin, "postSignals", Post, "/v1/signals", Signal("w-4", "g-4", "payment", "captured"), Expectation.Refused, 400);
        await SendAsync(auditor, "postSignals", Post, "/v1/signals", Signal("w-4", "g-4", "payment", "captured"), Expectation.Refused, 403);

        // Sources.
        await SendAsync(erp, "sendHeartbeat", Post, "/v1/sources/erp/heartbeat", """{ "watermark": "2026-12-06T10:00:00Z" }""");
        await SendAsync(erp, "sendHeartbeat", Post, "/v1/sources/erp/heartbeat", null);
        await SendAsync(erp, "sendHeartbeat", Post, "/v1/sources/erp/heartbeat", """{ "watermark": "yesterday" }""", Expectation.Invalid, 400);
        await SendAsync(erp, "sendHeartbeat", Post, "/v1/sources/payment-gateway/heartbeat", null, Expectation.Refused, 403);
        await GetAsync(auditor, "listSources", "/v1/sources");
        await GetAsync(anonymous, "listSources", "/v1/sources", Expectation.Invalid, 401);

        // Operations: truth, time travel, history, the list, what-if.
        await WaitForConflictsAsync("w-1");
        await GetAsync(auditor, "getOperation", "/v1/operations/w-1");
        await GetAsync(auditor, "getOperation", "/v1/operations/w-1?version=1");
        await GetAsync(auditor, "getOperation", $"/v1/operations/w-1?at={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}");
        await GetAsync(auditor, "getOperation", "/v1/operations/nothing", Expectation.Refused, 404);
        await GetAsync(auditor, "getOperation", "/v1/operations/w-1?version=99", Expectation.Refused, 404);
        await GetAsync(auditor, "getOperation", "/v1/operations/w-1?at=noon", Expectation.Refused, 400);
        await GetAsync(auditor, "getOperation", "/v1/operations/w-1?version=last", Expectation.Invalid, 400);
        await GetAsync(gateway, "getOperation", "/v1/operations/w-1", Expectation.Refused, 403);
        await GetAsync(auditor, "getOperationEvents", "/v1/operations/w-1/events");
        await GetAsync(auditor, "getOperationEvents", "/v1/operations/w-1/events?fromVersion=3");
        await GetAsync(auditor, "getOperationEvents", "/v1/operations/nothing/events", Expectation.Refused, 404);
        var first = await GetAsync(auditor, "listOperations", "/v1/operations?operationType=wire&limit=1");
        await GetAsync(auditor, "listOperations", $"/v1/operations?limit=1&cursor={first.GetProperty("next").GetString()}");
        await GetAsync(auditor, "listOperations", "/v1/operations?outcome=pending&health=conflicted");
        await GetAsync(auditor, "listOperations", "/v1/operations?limit=0", Expectation.Invalid, 400);
        await GetAsync(auditor, "listOperations", "/v1/operations?cursor=nowhere", Expectation.Refused, 400);
        await GetAsync(auditor, "listOperations", "/v1/operations?limit=many", Expectation.Invalid, 400);
        await SendAsync(auditor, "whatIf", Post, "/v1/operations/w-1/what-if", Policy("wire").Replace("\"0.5%\"", "\"1%\"", StringComparison.Ordinal));
        await SendAsync(auditor, "whatIf", Post, "/v1/operations/nothing/what-if", Policy("wire"), Expectation.Refused, 404);
        await SendAsync(auditor, "whatIf", Post, "/v1/operations/w-1/what-if", Policy("other"), Expectation.Refused, 422);
        await PlayBacktestsAsync(auditor, gateway);

        // Conflicts: list (JSON, CSV), one, resolve, four-eyes approve and reject.
        var conflicts = await GetAsync(auditor, "listConflicts", "/v1/conflicts?operationId=w-1");
        await GetAsync(auditor, "listConflicts", "/v1/conflicts?status=open&kind=attribute-mismatch&source=erp&facet=payment&operationType=wire&severity=medium&limit=2");
        await GetAsync(auditor, "listConflicts", $"/v1/conflicts?from={Uri.EscapeDataString("2026-01-01T00:00:00Z")}&to={Uri.EscapeDataString("2999-01-01T00:00:00Z")}&cause=not-reported");
        await GetAsync(auditor, "listConflicts", "/v1/conflicts?operationId=w-1", accept: "text/csv");
        await GetAsync(auditor, "listConflicts", "/v1/conflicts?operationId=w-1&format=csv");
        await GetAsync(auditor, "listConflicts", "/v1/conflicts?status=closed", Expectation.Refused, 400);
        await GetAsync(auditor, "listConflicts", "/v1/conflicts?cause=weather", Expectation.Refused, 400);
        await GetAsync(auditor, "listConflicts", "/v1/conflicts?limit=2.5", Expectation.Invalid, 400);
        await GetAsync(auditor, "listConflicts", "/v1/conflicts?limit=5000", Expectation.Invalid, 400);
        var ids = conflicts.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("conflictId").GetString()!).ToList();
        Assert.True(ids.Count >= 2, $"the story should open at least two conflicts on w-1, not {ids.Count}");
        await GetAsync(auditor, "getConflict", $"/v1/conflicts/{ids[0]}");
        await GetAsync(auditor, "getConflict", "/v1/conflicts/nothing", Expectation.Refused, 404);
        await SendAsync(rita, "resolveConflict", Post, $"/v1/conflicts/{ids[0]}/resolve", """{ "resolution": "accepted", "reason": "the ledger rounds" }""");
        await SendAsync(rita, "resolveConflict", Post, $"/v1/conflicts/{ids[0]}/resolve", """{ "resolution": "accepted", "reason": "again" }""", Expectation.Refused, 409);
        await SendAsync(rita, "resolveConflict", Post, $"/v1/conflicts/{ids[1]}/resolve", """{ "resolution": "accepted" }""", Expectation.Invalid, 400);
        await SendAsync(rita, "resolveConflict", Post, $"/v1/conflicts/{ids[1]}/resolve", """{ "resolution": "overridden", "reason": "r", "override": { "facet": "ledger" } }""", Expectation.Invalid, 400);
        await SendAsync(auditor, "resolveConflict", Post, $"/v1/conflicts/{ids[1]}/resolve", """{ "resolution": "accepted", "reason": "r" }""", Expectation.Refused, 403);
        await SendAsync(rita, "resolveConflict", Post, "/v1/conflicts/nothing/resolve", """{ "resolution": "accepted", "reason": "r" }""", Expectation.Refused, 404);
        await SendAsync(rita, "resolveConflict", Post, $"/v1/conflicts/{ids[1]}/resolve", """{ "resolution": "dismissed", "reason": "noise" }""", status: 202);
        await SendAsync(rita, "approveResolution", Post, $"/v1/conflicts/{ids[1]}/approve", """{ "reason": "mine" }""", Expectation.Refused, 403);
        await SendAsync(rob, "rejectResolution", Post, $"/v1/conflicts/{ids[1]}/reject", """{ "reason": "not noise" }""");
        await SendAsync(rob, "rejectResolution", Post, $"/v1/conflicts/{ids[1]}/reject", """{ "reason": "twice" }""", Expectation.Refused, 409);
        await SendAsync(rob, "rejectResolution", Post, $"/v1/conflicts/{ids[1]}/reject", """{ "reason": 7 }""", Expectation.Invalid, 400);
        await SendAsync(rita, "resolveConflict", Post, $"/v1/conflicts/{ids[1]}/resolve", """{ "resolution": "dismissed", "reason": "noise after all" }""", status: 202);
        await SendAsync(rob, "approveResolution", Post, $"/v1/conflicts/{ids[1]}/approve", """{ "reason": "agreed" }""");
        await SendAsync(rob, "approveResolution", Post, $"/v1/conflicts/{ids[1]}/approve", """{ }""", Expectation.Invalid, 400);
        await SendAsync(rob, "approveResolution", Post, "/v1/conflicts/nothing/approve", """{ "reason": "r" }""", Expectation.Refused, 404);
        await PlayAccountabilityAsync(gateway, auditor, rita, ids[0]);

        // Reports and storms.
        await GetAsync(auditor, "getDisagreementReport", "/v1/reports/disagreements");
        await GetAsync(auditor, "getDisagreementReport", $"/v1/reports/disagreements?from={Uri.EscapeDataString("2026-01-01T00:00:00Z")}&to={Uri.EscapeDataString("2999-01-01T00:00:00+01:00")}");
        await GetAsync(auditor, "getDisagreementReport", "/v1/reports/disagreements?from=monday", Expectation.Refused, 400);
        await GetAsync(auditor, "listStorms", "/v1/storms?status=active&limit=5");
        await GetAsync(auditor, "listStorms", "/v1/storms?status=raging", Expectation.Refused, 400);
        await GetAsync(auditor, "listStorms", "/v1/storms?limit=1001", Expectation.Invalid, 400);

        // The feed; its stream only when refused here (a stream that does not end cannot pass a proxy that reads it whole).
        var page = await GetAsync(auditor, "readFeed", "/v1/feed?limit=5");
        await GetAsync(auditor, "readFeed", $"/v1/feed?after={page.GetProperty("next").GetString()}&types=ConflictOpened,OutcomeDeclared&waitSeconds=0.1");
        await GetAsync(auditor, "readFeed", "/v1/feed?after=end");
        await GetAsync(auditor, "readFeed", "/v1/feed?after=yesterday", Expectation.Refused, 400);
        await GetAsync(auditor, "readFeed", "/v1/feed?types=Rain", Expectation.Refused, 400);
        await GetAsync(auditor, "readFeed", "/v1/feed?waitSeconds=600", Expectation.Invalid, 400);
        await GetAsync(auditor, "readFeed", "/v1/feed?waitSeconds=long", Expectation.Invalid, 400);
        await GetAsync(auditor, StreamFeed, "/v1/feed/stream?after=yesterday", Expectation.Refused, 400);

        // Inbound: a mapping per source (scheme 'key', so the proxy sees the same bearer keys), a delivery that maps,
        // one that goes to the quarantine, its replay, and a CSV statement.
        const string Mapping = """
            { "verify": { "scheme": "key" },
              "rules": [ { "when": "kind == 'paid'", "operationId": "order", "operationType": "'wire'", "signalId": "id", "facet": "'payment'", "state": "'captured'", "observedAt": "at" } ],
              "csv": { "rules": [ { "operationId": "row.order", "operationType": "'wire'", "signalId": "row.id", "facet": "'ledger'", "state": "'recorded'" } ] } }
            """;
        await SendAsync(_admin, "putInboundMapping", Put, "/v1/sources/payment-gateway/inbound", Mapping, status: 201);
        await SendAsync(_admin, "putInboundMapping", Put, "/v1/sources/payment-gateway/inbound", Mapping);
        await SendAsync(_admin, "putInboundMapping", Put, "/v1/sources/erp/inbound", """{ "verify": { "scheme": "key" }, "rules": [ { "operationId": "[[", "operationType": "'wire'", "signalId": "id", "facet": "'payment'", "state": "'captured'" } ] }""", Expectation.Refused, 422);
        await SendAsync(_admin, "putInboundMapping", Put, "/v1/sources/erp/inbound", """{ "rules": "none" }""", Expectation.Invalid, 422);
        await SendAsync(auditor, "putInboundMapping", Put, "/v1/sources/erp/inbound", Mapping, Expectation.Refused, 403);
        await GetAsync(auditor, "getInboundMapping", "/v1/sources/payment-gateway/inbound");
        await GetAsync(auditor, "getInboundMapping", "/v1/sources/payment-gateway/inbound?version=1");
        await GetAsync(auditor, "getInboundMapping", "/v1/sources/erp/inbound", Expectation.Refused, 404);
        await SendAsync(gateway, "receiveInbound", Post, "/v1/inbound/payment-gateway", """{ "kind": "paid", "id": "in-1", "order": "w-5", "at": 1796558400 }""");
        await SendAsync(gateway, "receiveInbound", Post, "/v1/inbound/payment-gateway", """{ "kind": "refunded", "id": "in-2", "order": "w-5" }""", status: 202);
        await SendAsync(gateway, "receiveInbound", Post, "/v1/inbound/erp", """{ "kind": "paid" }""", Expectation.Refused, 404);
        await SendAsync(erp, "receiveInbound", Post, "/v1/inbound/payment-gateway", """{ "kind": "paid" }""", Expectation.Refused, 403);
        await GetAsync(auditor, "listUnmatchedDeliveries", "/v1/sources/payment-gateway/inbound/unmatched?limit=10");
        await GetAsync(auditor, "listUnmatchedDeliveries", "/v1/sources/payment-gateway/inbound/unmatched?cursor=somewhere", Expectation.Refused, 400);
        await GetAsync(auditor, "listUnmatchedDeliveries", "/v1/sources/payment-gateway/inbound/unmatched?limit=0", Expectation.Refused, 400);
        await SendAsync(_admin, "replayUnmatchedDeliveries", Post, "/v1/sources/payment-gateway/inbound/unmatched/replay", null);
        await SendAsync(_admin, "replayUnmatchedDeliveries", Post, "/v1/sources/payment-gateway/inbound/unmatched/replay", """{ "deliveryIds": "all" }""", Expectation.Invalid, 422);
        await SendAsync(_admin, "replayUnmatchedDeliveries", Post, "/v1/sources/erp/inbound/unmatched/replay", null, Expectation.Refused, 404);
        var import = await SendAsync(gateway, "importStatement", Post, "/v1/sources/payment-gateway/imports", "order,id\r\nw-5,row-1\r\nw-6,row-2\r\n", status: 201, contentType: "text/csv");
        await SendAsync(gateway, "importStatement", Post, "/v1/sources/payment-gateway/imports", "order,id\r\nw-5,row-1\r\n", Expectation.Invalid, 415, contentType: "text/plain");
        await SendAsync(gateway, "importStatement", Post, "/v1/sources/erp/imports", "order,id\r\nw-5,row-1\r\n", Expectation.Refused, 403, contentType: "text/csv");
        await GetAsync(auditor, "listImports", "/v1/sources/payment-gateway/imports");
        await GetAsync(gateway, "listImports", "/v1/sources/payment-gateway/imports", Expectation.Refused, 403);
        await GetAsync(auditor, "getImport", $"/v1/sources/payment-gateway/imports/{import.GetProperty("importId")}");
        await GetAsync(auditor, "getImport", "/v1/sources/payment-gateway/imports/999999", Expectation.Refused, 404);

        // Subscriptions and the cluster.
        const string Url = "http://127.0.0.1:9/hooks";
        await SendAsync(_admin, "createSubscription", Post, "/v1/subscriptions", $$"""{ "name": "wire", "url": "{{Url}}", "types": ["OutcomeDeclared"], "operationTypes": ["wire"], "from": "end", "retry": { "maxAttempts": 2 } }""", status: 201);
        await SendAsync(_admin, "createSubscription", Post, "/v1/subscriptions", $$"""{ "name": "signed", "url": "{{Url}}", "secret": "whsec_{{Convert.ToBase64String(new byte[24])}}", "retry": { "maxAttempts": 3, "initialDelay": "PT1S", "maxDelay": "PT10S", "maxAge": "PT1H" } }""", status: 201);
        await SendAsync(_admin, "createSubscription", Post, "/v1/subscriptions", $$"""{ "name": "wire", "url": "{{Url}}" }""", Expectation.Refused, 409);
        await SendAsync(_admin, "createSubscription", Post, "/v1/subscriptions", """{ "name": "bad", "url": "ftp://example" }""", Expectation.Refused, 422);
        await SendAsync(_admin, "createSubscription", Post, "/v1/subscriptions", """{ "name": "bad" }""", Expectation.Invalid, 422);
        await GetAsync(_admin, "listSubscriptions", "/v1/subscriptions");
        await GetAsync(auditor, "listSubscriptions", "/v1/subscriptions", Expectation.Refused, 403);
        await GetAsync(_admin, "getSubscription", "/v1/subscriptions/wire");
        await GetAsync(_admin, "getSubscription", "/v1/subscriptions/nothing", Expectation.Refused, 404);
        await SendAsync(_admin, "updateSubscription", Patch, "/v1/subscriptions/wire", """{ "status": "paused", "types": ["OutcomeDeclared", "ConflictOpened"] }""");
        await SendAsync(_admin, "updateSubscription", Patch, "/v1/subscriptions/wire", """{ "status": "asleep" }""", Expectation.Refused, 422);
        await SendAsync(_admin, "updateSubscription", Patch, "/v1/subscriptions/nothing", """{ "status": "paused" }""", Expectation.Refused, 404);
        await GetAsync(_admin, "listParkedDeliveries", "/v1/subscriptions/wire/parked?limit=10");
        await GetAsync(_admin, "listParkedDeliveries", "/v1/subscriptions/wire/parked?cursor=somewhere", Expectation.Refused, 400);
        await GetAsync(_admin, "listParkedDeliveries", "/v1/subscriptions/wire/parked?limit=0", Expectation.Invalid, 400);
        await GetAsync(_admin, "listParkedDeliveries", "/v1/subscriptions/nothing/parked", Expectation.Refused, 404);
        await SendAsync(_admin, "redeliverParked", Post, "/v1/subscriptions/wire/parked/redeliver", null, status: 202);
        await SendAsync(_admin, "redeliverParked", Post, "/v1/subscriptions/wire/parked/redeliver", """{ "eventIds": ["evt-1"], "from": "2026-01-01T00:00:00Z", "to": "2999-01-01T00:00:00Z" }""", status: 202);
        await SendAsync(_admin, "redeliverParked", Post, "/v1/subscriptions/wire/parked/redeliver", """{ "eventIds": "evt-1" }""", Expectation.Invalid, 422);
        await SendAsync(_admin, "redeliverParked", Post, "/v1/subscriptions/nothing/parked/redeliver", null, Expectation.Refused, 404);
        await SendAsync(_admin, "deleteSubscription", Delete, "/v1/subscriptions/signed", null, status: 204);
        await SendAsync(_admin, "deleteSubscription", Delete, "/v1/subscriptions/signed", null, Expectation.Refused, 404);
        await GetAsync(_admin, "getCluster", "/v1/cluster");
        await GetAsync(auditor, "getCluster", "/v1/cluster", Expectation.Refused, 403);

        await StreamAnswersAsDescribedAsync();
    }

    private async Task<string> KeyAsync(string body) =>
        (await SendAsync(_admin, "createKey", Post, "/v1/keys", body, status: 201)).GetProperty("key").GetString()!;

    private static string Signal(string operation, string signalId, string facet, string state, string more = "") =>
        $$"""{ "operationId": "{{operation}}", "operationType": "wire", "signalId": "{{signalId}}", "facet": "{{facet}}", "state": "{{state}}"{{more}} }""";

    /// <summary>The policy has no grace window: the amount mismatch and the erp's other payment state open as conflicts at once, or at the next deadline pass.</summary>
    private async Task WaitForConflictsAsync(string operationId)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            // Straight to the server: waiting is no part of the contract being checked.
            var page = await contract.Server.ClientFor(ApiServer.AdminSecret).GetFromJsonAsync<JsonElement>($"/v1/conflicts?operationId={operationId}");
            if (page.GetProperty("items").GetArrayLength() >= 2)
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"no two conflicts opened on {operationId} within 10 s");
    }

    /// <summary>The stream's success, past the proxy: the media type the document gives, then the retry line it describes.</summary>
    private async Task StreamAnswersAsDescribedAsync()
    {
        var described = contract.Document["paths"]!["/v1/feed/stream"]!["get"]!["responses"]!["200"]!["content"]!.AsObject().Select(c => c.Key).ToList();
        using var client = contract.Server.ClientFor(ApiServer.AdminSecret);
        using var response = await client.GetAsync("/v1/feed/stream?after=end", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(["text/event-stream"], described);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("retry: 2000", await reader.ReadLineAsync());
    }
}
