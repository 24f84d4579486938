using System.Net;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using static Reconciler.IntegrationTests.Inbound.InboundSamples;

namespace Reconciler.IntegrationTests.Inbound;

/// <summary>PUT and GET /v1/sources/{source}/inbound: validated like policies (422 with paths and hints), every version kept, the secret sealed and never shown.</summary>
[Collection(PostgresCollection.Name)]
public sealed class InboundMappingApiTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private readonly ApiServer _server = api.Server;

    [Fact]
    public async Task Given_a_mapping_with_several_mistakes_when_it_is_put_then_422_lists_each_with_its_path_and_nothing_is_stored()
    {
        var response = await _server.Admin.PutAsync("/v1/sources/psp-bad/inbound", ApiServer.Json("""
            { "verify": { "scheme": "strip" },
              "rules": [ { "when": "type == ", "operationId": "data.order", "operationType": "'order'", "signalid": "id", "facet": "'payment'", "state": "'captured'" } ],
              "csv": { "delimiter": ";;", "rules": [] } }
            """));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("invalid-mapping", Slug(problem));
        var errors = problem.GetProperty("errors").EnumerateArray().ToDictionary(e => e.GetProperty("path").GetString()!, e => e.GetProperty("message").GetString()!);
        Assert.Contains("did you mean 'stripe'", errors["verify.scheme"], StringComparison.Ordinal);
        Assert.Contains("is not a JMESPath expression", errors["rules[0].when"], StringComparison.Ordinal);
        Assert.Contains("did you mean 'signalId'", errors["rules[0].signalid"], StringComparison.Ordinal);
        Assert.Contains("is required", errors["rules[0].signalId"], StringComparison.Ordinal);
        Assert.Contains("one character", errors["csv.delimiter"], StringComparison.Ordinal);
        Assert.Contains("1..100 rules", errors["csv.rules"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Admin.GetAsync("/v1/sources/psp-bad/inbound")).StatusCode);
    }

    [Fact]
    public async Task Given_a_signed_scheme_without_a_secret_when_it_is_put_then_the_secret_is_required()
    {
        var response = await _server.Admin.PutAsync("/v1/sources/psp-nosecret/inbound", ApiServer.Json("""
            { "verify": { "scheme": "standard-webhooks" },
              "rules": [ { "operationId": "o", "operationType": "'order'", "signalId": "id", "facet": "'payment'", "state": "'captured'" } ] }
            """));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("secret", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("path").GetString());
    }

    [Fact]
    public async Task Given_mapping_versions_when_they_are_read_then_each_is_kept_the_same_one_again_adds_none_and_the_secret_is_never_shown()
    {
        var first = await PutMappingAsync(_server, "psp-v", StripeMapping(), HttpStatusCode.Created);
        var again = await PutMappingAsync(_server, "psp-v", StripeMapping(), HttpStatusCode.OK);
        // Sent back as GET shows it (no secret): the stored secret is kept; a changed rule is a new version.
        var fetched = await _server.Admin.GetStringAsync("/v1/sources/psp-v/inbound");
        var edited = fetched.Replace("'captured'", "'authorized'", StringComparison.Ordinal);
        var second = await PutMappingAsync(_server, "psp-v", edited, HttpStatusCode.Created);
        var rotated = await PutMappingAsync(_server, "psp-v", StripeMapping(secret: "whsec_rotated_secret_value"), HttpStatusCode.Created);

        Assert.Equal((1, 1, 2, 3), (first.GetProperty("version").GetInt32(), again.GetProperty("version").GetInt32(),
            second.GetProperty("version").GetInt32(), rotated.GetProperty("version").GetInt32()));
        var v1 = await ApiCalls.GetJsonAsync(_server.Admin, "/v1/sources/psp-v/inbound?version=1");
        var v2 = await ApiCalls.GetJsonAsync(_server.Admin, "/v1/sources/psp-v/inbound?version=2");
        Assert.Equal("'captured'", v1.GetProperty("rules")[0].GetProperty("state").GetString());
        Assert.Equal("'authorized'", v2.GetProperty("rules")[0].GetProperty("state").GetString());
        Assert.True(v2.GetProperty("hasSecret").GetBoolean());
        Assert.False(v1.TryGetProperty("secret", out _));
        foreach (var version in new[] { 1, 2, 3 })
        {
            var text = await _server.Admin.GetStringAsync($"/v1/sources/psp-v/inbound?version={version}");
            Assert.DoesNotContain(StripeSecret, text, StringComparison.Ordinal);
            Assert.DoesNotContain("whsec_rotated", text, StringComparison.Ordinal);
        }
        await using var command = api.Database.DataSource.CreateCommand("SELECT count(*) FROM inbound_mappings WHERE secret IS NULL OR position(convert_to('whsec_', 'UTF8') in secret) > 0");
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        var missing = await _server.Admin.GetAsync("/v1/sources/psp-v/inbound?version=9");
        Assert.Equal((HttpStatusCode.NotFound, "unknown-mapping-version"), (missing.StatusCode, Slug(JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement)));
    }
}
