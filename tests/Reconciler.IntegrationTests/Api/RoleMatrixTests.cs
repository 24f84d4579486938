using System.Net;

namespace Reconciler.IntegrationTests.Api;

/// <summary>Every role against every endpoint: no key → 401, a key without the role → 403, otherwise neither.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RoleMatrixTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly ApiServer _server = api.Server;
    private readonly Dictionary<string, HttpClient> _clients = [];

    public async Task InitializeAsync()
    {
        await _server.PutPolicyAsync(TestPolicies.Order());
        _clients["source"] = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        _clients["auditor"] = await _server.ClientWithRoleAsync("auditor", name: "ann");
        _clients["resolver"] = await _server.ClientWithRoleAsync("resolver", name: "rob");
        _clients["admin"] = _server.Admin;
        using (var mapping = await _server.Admin.PutAsync("/v1/sources/payment-gateway/inbound", ApiServer.Json(InboundMapping)))
        {
            mapping.EnsureSuccessStatusCode();
        }
        await _clients["source"].PostAsync("/v1/signals", ApiServer.Json("""{ "operationId": "rm-1", "operationType": "order", "signalId": "rm-s", "facet": "payment", "state": "captured" }"""));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    // The scheme 'key', so that POST /v1/inbound/{source} takes keys as the other endpoints do (signed schemes take none).
    private const string InboundMapping = """
        { "verify": { "scheme": "key" },
          "rules": [ { "operationId": "o", "operationType": "'order'", "signalId": "id", "facet": "'payment'", "state": "'captured'" } ] }
        """;

    public static TheoryData<string, string, string, string> Endpoints() => new()
    {
        // method, path, body, roles allowed
        { "POST", "/v1/keys", """{ "role": "auditor", "name": "x" }""", "admin" },
        { "DELETE", "/v1/keys/unknown", "", "admin" },
        { "PUT", "/v1/policies/order", TestPolicies.Order(), "admin" },
        { "GET", "/v1/policies/order", "", "source auditor resolver admin" },
        { "POST", "/v1/policies/order/rejudge", "", "admin" },
        { "POST", "/v1/signals", """{ "operationId": "rm-2", "operationType": "order", "signalId": "rm-t", "facet": "payment", "state": "captured" }""", "source admin" },
        { "GET", "/v1/operations/rm-1", "", "auditor resolver admin" },
        { "GET", "/v1/operations/rm-1?version=1", "", "auditor resolver admin" },
        { "GET", "/v1/operations/rm-1/events", "", "auditor resolver admin" },
        { "GET", "/v1/operations", "", "auditor resolver admin" },
        { "GET", "/v1/openapi.json", "", "source auditor resolver admin" },
        { "POST", "/v1/operations/rm-1/what-if", TestPolicies.Order(), "auditor resolver admin" },
        { "POST", "/v1/policies/order/backtests", TestPolicies.Order(), "auditor resolver admin" },
        { "GET", "/v1/policies/order/backtests", "", "auditor resolver admin" },
        { "GET", "/v1/backtests/unknown", "", "auditor resolver admin" },
        { "DELETE", "/v1/backtests/unknown", "", "auditor resolver admin" },
        { "GET", "/v1/backtests/unknown/changes", "", "auditor resolver admin" },
        { "GET", "/v1/conflicts", "", "auditor resolver admin" },
        { "GET", "/v1/conflicts/unknown", "", "auditor resolver admin" },
        { "POST", "/v1/conflicts/unknown/resolve", """{ "resolution": "dismissed", "reason": "matrix" }""", "resolver admin" },
        { "POST", "/v1/conflicts/unknown/approve", """{ "reason": "matrix" }""", "resolver admin" },
        { "POST", "/v1/conflicts/unknown/reject", """{ "reason": "matrix" }""", "resolver admin" },
        { "GET", "/v1/reports/disagreements", "", "auditor resolver admin" },
        { "GET", "/v1/sources", "", "auditor resolver admin" },
        { "GET", "/v1/storms", "", "auditor resolver admin" },
        { "POST", "/v1/sources/payment-gateway/heartbeat", "{}", "source admin" },
        { "GET", "/v1/feed?limit=1", "", "auditor resolver admin" },
        { "GET", "/v1/cluster", "", "admin" },
        { "PUT", "/v1/sources/payment-gateway/inbound", InboundMapping, "admin" },
        { "GET", "/v1/sources/payment-gateway/inbound", "", "auditor resolver admin" },
        { "POST", "/v1/inbound/payment-gateway", """{ "id": "rm-in", "o": "rm-3" }""", "source admin" },
        { "GET", "/v1/sources/payment-gateway/inbound/unmatched", "", "auditor resolver admin" },
        { "POST", "/v1/sources/payment-gateway/inbound/unmatched/replay", "{}", "admin" },
        { "POST", "/v1/sources/payment-gateway/imports", "", "source admin" },
        { "GET", "/v1/sources/payment-gateway/imports", "", "auditor resolver admin" },
        { "GET", "/v1/sources/payment-gateway/imports/1", "", "source auditor resolver admin" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Given_each_role_when_calling_the_endpoint_then_only_allowed_roles_pass(string method, string path, string body, string allowed)
    {
        foreach (var (role, client) in _clients)
        {
            var status = await CallAsync(client, method, path, body);
            if (allowed.Split(' ').Contains(role))
            {
                Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{role} {method} {path}: {status}");
            }
            else
            {
                Assert.True(status == HttpStatusCode.Forbidden, $"{role} {method} {path}: expected 403, got {status}");
            }
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(_server.Anonymous, method, path, body));
    }

    private static async Task<HttpStatusCode> CallAsync(HttpClient client, string method, string path, string body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body.Length > 0)
        {
            request.Content = ApiServer.Json(body);
        }
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
