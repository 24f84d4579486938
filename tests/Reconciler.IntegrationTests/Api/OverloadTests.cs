using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Reconciler.Store.Writing;

namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// Backpressure over HTTP: a server whose commit queue holds one signal sheds the rest of a burst at once with
/// 503 overloaded and Retry-After, stores nothing of what it shed, and commits everything it answered 200.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OverloadTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(OverloadTests));
        _server = await ApiServer.StartAsync(_db, addServices: services =>
            services.Replace(ServiceDescriptor.Singleton(new GroupCommitOptions { Committers = 1, MaxWeightPerUnit = 1, MaxQueuedWeight = 1 })));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Given_a_full_commit_queue_when_a_burst_arrives_then_the_excess_is_shed_with_503_overloaded_and_nothing_of_it_is_stored()
    {
        await _server.PutPolicyAsync(TestPolicies.Order());
        var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");
        var answers = new List<(string SignalId, HttpStatusCode Status, string? RetryAfter, string Body)>();
        // A burst of 40 one-signal requests at once; rounds repeat until one was shed (the first usually sheds many).
        for (var round = 0; round < 10 && !answers.Any(a => a.Status == HttpStatusCode.ServiceUnavailable); round++)
        {
            answers.AddRange(await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
            {
                var signalId = $"burst-{round}-{i}";
                using var response = await gateway.PostAsJsonAsync("/v1/signals",
                    new { operationId = $"burst-{round}-{i}", operationType = "order", signalId, facet = "payment", state = "authorized" });
                return (signalId, response.StatusCode, response.Headers.RetryAfter?.ToString(), await response.Content.ReadAsStringAsync());
            })));
        }

        var shed = answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(shed);
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{a.Status}: {a.Body}"));
        Assert.All(shed, a =>
        {
            Assert.Equal("1", a.RetryAfter);
            Assert.EndsWith("/overloaded", JsonDocument.Parse(a.Body).RootElement.GetProperty("type").GetString());
        });
        var stored = await StoredSignalIdsAsync();
        Assert.Equal(answers.Where(a => a.Status == HttpStatusCode.OK).Select(a => a.SignalId).Order(), stored.Order());
    }

    private async Task<List<string>> StoredSignalIdsAsync()
    {
        await using var command = _db.DataSource.CreateCommand("SELECT signal_id FROM signal_receipts WHERE signal_id LIKE 'burst-%'");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }
}
