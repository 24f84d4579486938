using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Backtests;

/// <summary>
/// History for the backtest tests, through the real API: 33 operations of type <c>bt</c> (grace windows and deadlines of a second)
/// with disagreements, missing signals, signals the policy does not name, and decisions of every kind (an acceptance, a
/// dismissal, an override, a four-eyes approval); and a candidate that changes much of it: the ERP owns payment, refunds are no
/// longer a state but partial refunds are, the journey is no longer expected, and accepting needs two resolvers.
/// </summary>
public static class BacktestStory
{
    public const string Type = "bt";

    public static string Policy(string approvals = "") => TestPolicies.Order(graceSeconds: 1, ledgerWithin: "PT1S", journeyWithin: "PT1S", notificationWithin: "PT1S", type: Type)
        .Replace("\"graceSeconds\": 1,", $"\"graceSeconds\": 1,{approvals}", StringComparison.Ordinal);

    public static string Candidate()
    {
        var json = JsonNode.Parse(Policy())!.AsObject();
        var payment = json["facets"]!["payment"]!.AsObject();
        payment["owner"] = "erp";
        payment["states"] = new JsonArray("authorized", "captured", "declined", "partially-refunded");
        payment["transitions"] = new JsonObject { ["authorized"] = new JsonArray("captured", "declined"), ["captured"] = new JsonArray("partially-refunded") };
        json["expectations"]!.AsArray().RemoveAt(1);
        json["approvals"] = new JsonObject { ["accepted"] = 2 };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Each facet of the candidate and its states, to tell what it names.</summary>
    public static IReadOnlyDictionary<string, string[]> CandidateStates() =>
        JsonNode.Parse(Candidate())!["facets"]!.AsObject().ToDictionary(f => f.Key, f => f.Value!["states"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray());

    public static IReadOnlyList<string> OperationIds { get; } =
        [.. Enumerable.Range(0, 25).Select(i => $"bt-a-{i:D2}"), .. Enumerable.Range(0, 5).Select(i => $"bt-b-{i:D2}"), .. Enumerable.Range(0, 3).Select(i => $"bt-c-{i:D2}")];

    /// <summary>Plays the history and waits until every deadline of it has passed (the candidate's too, which are no later).</summary>
    public static async Task PlayAsync(ApiServer server)
    {
        await server.PutPolicyAsync(Policy());
        var clients = new Dictionary<string, HttpClient>();
        foreach (var source in new[] { "payment-gateway", "erp", "warehouse", "crm" })
        {
            clients[source] = await server.ClientWithRoleAsync("source", source: source);
        }
        var a = Enumerable.Range(0, 25).Select(i => $"bt-a-{i:D2}").ToList();
        var b = Enumerable.Range(0, 5).Select(i => $"bt-b-{i:D2}").ToList();
        var c = Enumerable.Range(0, 3).Select(i => $"bt-c-{i:D2}").ToList();
        await ApiCalls.SendAsync(clients["payment-gateway"], ApiCalls.Batch([
            .. a.SelectMany(id => new[] { ApiCalls.Signal(id, id + "-p1", "payment", "authorized", Type), ApiCalls.Signal(id, id + "-p2", "payment", "captured", Type) }),
            .. b.Concat(c).Select(id => ApiCalls.Signal(id, id + "-p2", "payment", "captured", Type)),
            .. c.Select(id => ApiCalls.Signal(id, id + "-p3", "payment", "partially-refunded", Type))]));
        await ApiCalls.SendAsync(clients["erp"], ApiCalls.Batch([
            .. a.Select(id => ApiCalls.Signal(id, id + "-e1", "payment", "declined", Type)),
            .. a.Concat(c).Select(id => ApiCalls.Signal(id, id + "-e2", "ledger", "recorded", Type))]));
        await ApiCalls.SendAsync(clients["warehouse"], ApiCalls.Batch(a.Concat(b).Concat(c).Select(id => ApiCalls.Signal(id, id + "-w1", "inventory", "reserved", Type))));
        await ApiCalls.SendAsync(clients["crm"], ApiCalls.Batch(a.Concat(c).Select(id => ApiCalls.Signal(id, id + "-c1", "journey", "purchased", Type))));

        var rita = await server.ClientWithRoleAsync("resolver", name: "rita");
        var sam = await server.ClientWithRoleAsync("resolver", name: "sam");
        await ResolveAsync(rita, await OpenAsync(server, "bt-a-00", "disagreement"), """{ "resolution": "accepted", "reason": "the ERP lags" }""");
        await ResolveAsync(rita, await OpenAsync(server, "bt-a-01", "disagreement"), """{ "resolution": "dismissed", "reason": "noise" }""");
        await ResolveAsync(rita, await OpenAsync(server, "bt-a-02", "disagreement"),
            """{ "resolution": "overridden", "reason": "refunded at the till", "override": { "facet": "payment", "state": "refunded" } }""");
        await ResolveAsync(rita, await OpenAsync(server, "bt-b-00", "missing", "journey"), """{ "resolution": "accepted", "reason": "no CRM for shop orders" }""");
        // A second version asks two resolvers for compensating: Rita proposes, Sam approves.
        var v2 = await server.Admin.PutAsync($"/v1/policies/{Type}?rejudge=false", ApiServer.Json(Policy("\"approvals\": { \"compensated\": 2 },")));
        Assert.Equal(HttpStatusCode.Created, v2.StatusCode);
        var ledger = await OpenAsync(server, "bt-b-01", "missing", "ledger");
        Assert.Equal(HttpStatusCode.Accepted, (await ApiCalls.PostJsonAsync(rita, $"/v1/conflicts/{ledger}/resolve", """{ "resolution": "compensated", "reason": "booked by hand" }""")).Status);
        await ResolveAsync(sam, ledger, """{ "reason": "seen the booking" }""", "approve");
        // The candidate's deadlines are those of today or none: a second after the last decision, all of them have passed.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
    }

    private static async Task<string> OpenAsync(ApiServer server, string operationId, string kind, string? facet = null)
    {
        var truth = await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(server.Admin, $"/v1/operations/{operationId}"),
            t => t.GetProperty("openConflicts").EnumerateArray().Any(c => Is(c, kind, facet)), TimeSpan.FromSeconds(30));
        return truth.GetProperty("openConflicts").EnumerateArray().First(c => Is(c, kind, facet)).GetProperty("conflictId").GetString()!;
    }

    private static bool Is(JsonElement conflict, string kind, string? facet) =>
        conflict.GetProperty("kind").GetString() == kind && (facet is null || conflict.GetProperty("facet").GetString() == facet);

    private static async Task ResolveAsync(HttpClient resolver, string conflictId, string body, string verb = "resolve")
    {
        var (status, answer) = await ApiCalls.PostJsonAsync(resolver, $"/v1/conflicts/{conflictId}/{verb}", body);
        Assert.True(status == HttpStatusCode.OK, $"{verb} {conflictId}: {(int)status} {answer}");
    }

    /// <summary>Every operation of the story as the API shows it today and under the candidate (what-if, one by one).</summary>
    public static async Task<List<Observed>> ObserveAsync(HttpClient reader)
    {
        var observed = new List<Observed>();
        foreach (var id in OperationIds)
        {
            var (status, whatIf) = await ApiCalls.PostJsonAsync(reader, $"/v1/operations/{id}/what-if", Candidate());
            Assert.True(status == HttpStatusCode.OK, $"what-if {id}: {(int)status} {whatIf}");
            var truth = await ApiCalls.GetJsonAsync(reader, $"/v1/operations/{id}");
            var conflicts = (await ApiCalls.GetJsonAsync(reader, $"/v1/conflicts?operationId={id}&limit=1000")).GetProperty("items").EnumerateArray().ToList();
            var events = (await ApiCalls.GetJsonAsync(reader, $"/v1/operations/{id}/events")).EnumerateArray().ToList();
            observed.Add(new Observed(id, whatIf, truth, conflicts, events));
        }
        return observed;
    }
}
