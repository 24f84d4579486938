using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// Each hostile input seen in the attack on the server (issue 15), over the wire: invalid UTF-8, unpaired
/// surrogates and NUL in bodies, paths and queries; bad times and numbers; Kestrel's own refusals. Every
/// answer is a 4xx problem that names what to fix, and nothing is stored.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class HostileInputTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly ApiServer _server = api.Server;
    private string _gatewayKey = null!;

    public async Task InitializeAsync()
    {
        await _server.PutPolicyAsync(TestPolicies.Order(type: "hostile"));
        var response = await _server.Admin.PostAsJsonAsync("/v1/keys", new { role = "source", source = "payment-gateway" });
        _gatewayKey = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static byte[] Bytes(params object[] parts) =>
        [.. parts.SelectMany(p => p is byte[] raw ? raw : Encoding.UTF8.GetBytes((string)p))];

    private static byte[] Signal(object facet, object? extra = null) => Bytes(
        "{\"operationId\":\"h-1\",\"operationType\":\"hostile\",\"signalId\":\"h-s1\",\"state\":\"captured\",\"facet\":\"", facet, "\"", extra ?? "", "}");

    /// <summary>Sends a request that must be refused: a 4xx problem whose type ends with <paramref name="slug"/>, and no row stored.</summary>
    private async Task<JsonElement> RefusedAsync(string method, byte[] target, byte[]? body, string slug, int status = 400, string? key = ApiServer.AdminSecret, object? headers = null)
    {
        var before = await StoredRows.CountAsync(api.Database.DataSource);

        var response = await RawHttp.SendAsync(_server.BaseAddress, Encoding.ASCII.GetBytes(method), target, key, body, Bytes(headers ?? ""));

        Assert.True(status == response.Status, $"expected {status}, got {response.Status}: {response.Body}");
        var problem = response.Problem();
        Assert.EndsWith("/" + slug, problem.GetProperty("type").GetString());
        Assert.Equal(before, await StoredRows.CountAsync(api.Database.DataSource));
        return problem;
    }

    private Task<JsonElement> RefusedSignalAsync(byte[] body, string slug) => RefusedAsync("POST", "/v1/signals"u8.ToArray(), body, slug, key: _gatewayKey);

    [Fact]
    public async Task Given_invalid_utf8_in_a_facet_when_posted_then_400_names_the_facet() =>
        Assert.Equal("facet", (await RefusedSignalAsync(Signal(Bytes("charge", new byte[] { 0xed, 0xa0, 0x80 })), "invalid-utf8")).GetProperty("field").GetString());

    [Fact]
    public async Task Given_an_unpaired_surrogate_escape_when_posted_then_400() =>
        await RefusedSignalAsync(Signal("\\udfff"), "unpaired-surrogate");

    [Fact]
    public async Task Given_a_nul_escape_in_a_field_when_posted_then_400_names_the_field() =>
        Assert.Contains("facet", (await RefusedSignalAsync(Signal("pay\\u0000ment"), "nul-character")).GetProperty("detail").GetString());

    [Fact]
    public async Task Given_invalid_utf8_in_an_attribute_value_or_name_when_posted_then_400_and_nothing_stored()
    {
        await RefusedSignalAsync(Signal("payment", Bytes(",\"attributes\":{\"amount\":\"1.00", new byte[] { 0xc3, 0x28 }, "\"}")), "invalid-utf8");
        await RefusedSignalAsync(Bytes("{\"operationId\":\"h-1\",\"operationType\":\"hostile\",\"signalId\":\"h-s1\",\"state\":\"captured\",\"facet\":\"payment\",\"attributes\":{\"am", new byte[] { 0xff }, "ount\":\"1\"}}"), "invalid-utf8");
    }

    [Theory]
    [InlineData("2026-11-21")]
    [InlineData("2026-11-21T10:00:03")]
    [InlineData("21/11/2026 10:00")]
    [InlineData("2026-11-21T25:00:00Z")]
    [InlineData("Fri, 21 Nov 2026 10:00:03 GMT")]
    public async Task Given_an_observed_at_that_is_not_iso_with_an_offset_when_posted_then_400_names_observed_at(string observedAt)
    {
        var problem = await RefusedSignalAsync(Signal("payment", $",\"observedAt\":\"{observedAt}\""), "invalid-signal");

        Assert.Contains("observedAt", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Given_invalid_utf8_in_a_policy_state_when_put_then_400_and_no_policy() =>
        Assert.Equal("facets.payment.states[1]", (await RefusedAsync("PUT", "/v1/policies/hostile-x"u8.ToArray(),
            Bytes("{\"facets\":{\"payment\":{\"owner\":\"pgw\",\"states\":[\"ok\",\"capt", new byte[] { 0xff, 0xfe }, "ured\"]}}}"), "invalid-utf8")).GetProperty("field").GetString());

    [Fact]
    public async Task Given_invalid_utf8_in_a_resolution_when_resolving_then_400() =>
        await RefusedAsync("POST", "/v1/conflicts/any-conflict/resolve"u8.ToArray(), Bytes("{\"resolution\":\"dis", new byte[] { 0xff }, "missed\",\"reason\":\"x\"}"), "invalid-utf8");

    [Theory]
    [InlineData("/v1/operations/a%00b", "GET")]
    [InlineData("/v1/policies/%00", "PUT")]
    [InlineData("/v1/conflicts/%00/resolve", "POST")]
    public async Task Given_a_nul_in_the_path_when_sent_then_kestrels_refusal_is_a_problem(string target, string method) =>
        await RefusedAsync(method, Encoding.ASCII.GetBytes(target), method == "GET" ? null : "{}"u8.ToArray(), "malformed-request");

    [Theory]
    [InlineData("/v1/operations/a%ffb")]
    [InlineData("/v1/operations/a%01b/events")]
    public async Task Given_a_path_segment_that_is_not_clean_utf8_when_sent_then_400_invalid_path(string target) =>
        await RefusedAsync("GET", Encoding.ASCII.GetBytes(target), null, "invalid-path");

    [Theory]
    [InlineData("/v1/conflicts?kind=%00&facet=%E2%80%AE&operationType=%09")]
    [InlineData("/v1/conflicts?operationType=%09")]
    [InlineData("/v1/operations?outcome=%00")]
    [InlineData("/v1/feed?types=%00")]
    [InlineData("/v1/reports/disagreements?from=%ff")]
    public async Task Given_control_bytes_in_a_query_filter_when_sent_then_400_invalid_query_with_a_whole_answer(string target) =>
        await RefusedAsync("GET", Encoding.ASCII.GetBytes(target), null, "invalid-query");

    [Theory]
    [InlineData("/v1/operations/h-1/events?fromVersion=1e3", "fromVersion")]
    [InlineData("/v1/conflicts?limit=", "limit")]
    [InlineData("/v1/conflicts?limit=ten", "limit")]
    [InlineData("/v1/feed?limit=", "limit")]
    [InlineData("/v1/feed?waitSeconds=", "waitSeconds")]
    [InlineData("/v1/operations/h-1?version=two", "version")]
    public async Task Given_a_query_number_that_does_not_parse_when_sent_with_any_accept_then_400_problem_names_it(string target, string parameter)
    {
        foreach (var accept in new[] { "", "Accept: text/csv\r\n", "Accept: text/html\r\n" })
        {
            var problem = await RefusedAsync("GET", Encoding.ASCII.GetBytes(target), null, "invalid-request", headers: accept);
            Assert.Contains($"'{parameter}'", problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Given_a_request_line_over_8_KiB_when_sent_then_414_problem() =>
        await RefusedAsync("GET", Encoding.ASCII.GetBytes("/v1/operations/" + new string('a', 9000)), null, "uri-too-long", 414);

    [Fact]
    public async Task Given_headers_over_32_KiB_when_sent_then_431_problem() =>
        await RefusedAsync("GET", "/v1/operations"u8.ToArray(), null, "headers-too-large", 431, headers: $"X-Padding: {new string('p', 40_000)}\r\n");

    [Fact]
    public async Task Given_a_non_ascii_byte_in_a_header_when_sent_then_400_problem() =>
        await RefusedAsync("GET", "/v1/operations"u8.ToArray(), null, "malformed-request", headers: Bytes("X-Name: caf", new byte[] { 0xff }, "\r\n"));

    [Theory]
    [InlineData("GET", "/v1/nowhere", 404, "not-found")]
    [InlineData("DELETE", "/v1/signals", 405, "method-not-allowed")]
    public async Task Given_an_unknown_path_or_method_when_sent_asking_for_csv_then_still_a_problem(string method, string target, int status, string slug) =>
        await RefusedAsync(method, Encoding.ASCII.GetBytes(target), null, slug, status, headers: "Accept: text/csv\r\n");

    [Fact]
    public async Task Given_no_key_when_sent_then_401_problem() =>
        await RefusedAsync("GET", "/v1/conflicts"u8.ToArray(), null, "unauthorized", 401, key: null);
}
