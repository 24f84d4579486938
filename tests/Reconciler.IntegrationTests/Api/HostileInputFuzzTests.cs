using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Reconciler.IntegrationTests.Api.Fuzzing;
using Xunit.Abstractions;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// Seeded, bounded fuzzing of the HTTP surface — signals, policies, resolve, operations, conflicts, reports,
/// keys and the feed — with the real server and database: no answer is a 5xx, every 4xx is a problem+json
/// with a type and a detail, a request that could not be valid is refused, and a refused write stores nothing.
/// Reproduce a run with RECONCILER_FUZZ_SEED (and RECONCILER_FUZZ_REQUESTS for a longer one).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class HostileInputFuzzTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;
    private readonly Dictionary<string, string> _keys = [];
    private string _conflictId = "";

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(HostileInputFuzzTests));
        // No deadline worker: only the fuzzed requests write, so the row counts tell what each one stored.
        _server = await ApiServer.StartAsync(_db, runDeadlineWorker: false);
        await _server.PutPolicyAsync(TestPolicies.Order(type: "fz"));
        foreach (var (name, role, source) in new[] { ("gateway", "source", "payment-gateway"), ("resolver", "resolver", (string?)null), ("auditor", "auditor", null) })
        {
            var response = await _server.Admin.PostAsJsonAsync("/v1/keys", new { role, source, name = source is null ? name : null });
            _keys[name] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        }
        var erp = await _server.ClientWithRoleAsync("source", source: "erp");
        _conflictId = (await ApiCalls.SendOneAsync(erp, "fz-seed", "erp-seed", "shipping", "lost", "fz"))[0];
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Given_thousands_of_mutated_requests_when_sent_then_no_5xx_every_4xx_is_a_problem_and_refused_writes_store_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("RECONCILER_FUZZ_SEED"), out var s) ? s : 15_015;
        var total = int.TryParse(Environment.GetEnvironmentVariable("RECONCILER_FUZZ_REQUESTS"), out var n) ? n : 3_000;
        var random = new Random(seed);
        var mutator = new RequestMutator(random);
        var statuses = new SortedDictionary<int, int>();
        var failures = new List<string>();
        var stored = await StoredRows.CountAsync(_db.DataSource);

        for (var i = 0; i < total && failures.Count < 10; i++)
        {
            var request = mutator.Mutate(ValidRequest(random, i));
            var response = await RawHttp.SendAsync(_server.BaseAddress, Encoding.ASCII.GetBytes(request.Method), request.Target, request.Key, request.Body, request.Headers);
            statuses[response.Status] = statuses.GetValueOrDefault(response.Status) + 1;
            var after = request.Writes ? await StoredRows.CountAsync(_db.DataSource) : stored;
            var problem = Judge(request, response, stored, after);
            if (problem is not null)
            {
                failures.Add($"#{i} (seed {seed}): {problem}\n  request: {request}\n  answer: {response.Status} {response.ContentType} {response.Body[..Math.Min(400, response.Body.Length)]}");
            }
            stored = after;
        }

        output.WriteLine($"seed {seed}, {total} requests; status codes: {string.Join(", ", statuses.Select(p => $"{p.Key}: {p.Value}"))}; 5xx: {statuses.Where(p => p.Key >= 500).Sum(p => p.Value)}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var health = await _server.Anonymous.GetAsync("/healthz");
        Assert.True(health.IsSuccessStatusCode, "the server is still healthy after the run");
    }

    private static string? Judge(FuzzRequest request, RawResponse response, StoredRows before, StoredRows after)
    {
        if (response.Status >= 500)
        {
            return "a 5xx answer";
        }
        if (response.Status >= 400)
        {
            if (!response.IsProblem)
            {
                return "a 4xx that is not problem+json";
            }
            using var json = JsonDocument.Parse(response.Body);
            if (json.RootElement.GetProperty("type").GetString()?.StartsWith("https://reconciler.dev/problems/", StringComparison.Ordinal) != true
                || string.IsNullOrWhiteSpace(json.RootElement.GetProperty("detail").GetString()))
            {
                return "a problem without a type slug or a detail";
            }
            if (before != after)
            {
                return $"a refused write stored rows: {before} -> {after}";
            }
        }
        else if (request.MustBeRefused)
        {
            return "a request with invalid text was accepted";
        }
        return null;
    }

    /// <summary>One of the API's valid requests, varied by the run's random numbers.</summary>
    private FuzzRequest ValidRequest(Random random, int i)
    {
        var op = $"fz-{random.Next(40)}";
        var signal = $$$"""{"operationId":"{{{op}}}","operationType":"fz","signalId":"s-{{{i}}}","facet":"payment","state":"{{{(random.Next(2) == 0 ? "authorized" : "captured")}}}","observedAt":"2026-11-21T10:00:03Z","sourceSequence":{{{i}}},"effectKey":"txn-{{{i}}}","attributes":{"amount":"129.90","currency":"EUR","nested":{"k":["v"]}},"correlationId":"c-{{{i}}}"}""";
        var policy = TestPolicies.Order(type: "fz-p" + random.Next(5)).Replace("\n", " ", StringComparison.Ordinal);
        return random.Next(16) switch
        {
            0 or 1 or 2 => Write("POST", "/v1/signals", signal, "gateway"),
            3 => Write("POST", "/v1/signals", $$"""{"signals":[{{signal}},{{signal.Replace($"s-{i}", $"t-{i}", StringComparison.Ordinal)}}]}""", "gateway"),
            4 => Write("PUT", $"/v1/policies/fz-p{random.Next(5)}", policy, "admin"),
            5 => Write("POST", $"/v1/conflicts/{_conflictId}/resolve", """{"resolution":"overridden","reason":"checked by hand","override":{"facet":"payment","state":"captured"}}""", "resolver"),
            6 => Write("POST", $"/v1/operations/{op}/what-if", policy.Replace("\"fz-p", "\"fz-x", StringComparison.Ordinal), "auditor"),
            7 => Write("POST", "/v1/keys", """{"role":"auditor","name":"fuzzed"}""", "admin"),
            8 => Write("DELETE", "/v1/keys/0000000000000000", null, "admin"),
            9 => Read($"/v1/operations/{op}?version=1"),
            10 => Read($"/v1/operations/{op}/events?fromVersion=1"),
            11 => Read("/v1/operations?outcome=pending&health=consistent&operationType=fz&limit=5"),
            12 => Read("/v1/conflicts?kind=unmodeled&status=open&severity=medium&source=erp&facet=shipping&operationType=fz&from=2026-01-01T00:00:00Z&limit=10"),
            13 => Read($"/v1/conflicts/{_conflictId}"),
            14 => Read("/v1/feed?after=&types=OutcomeDeclared,ConflictOpened&limit=10&waitSeconds=0"),
            _ => Read("/v1/reports/disagreements?from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z"),
        };

        FuzzRequest Write(string method, string target, string? body, string key) =>
            new(method, Encoding.ASCII.GetBytes(target), body is null ? null : FuzzRequest.Utf8(body), KeyOf(key), [], "", false);

        FuzzRequest Read(string target) => new("GET", Encoding.ASCII.GetBytes(target), null, KeyOf("auditor"), [], "", false);
    }

    private string KeyOf(string name) => name == "admin" ? ApiServer.AdminSecret : _keys[name];
}
