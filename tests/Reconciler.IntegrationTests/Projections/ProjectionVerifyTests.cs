using Reconciler.IntegrationTests.Api;
using Reconciler.Store.Projections;

namespace Reconciler.IntegrationTests.Projections;

/// <summary>The projections written inline by ingest are exactly what folding the events gives.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ProjectionVerifyTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private readonly ApiServer _server = api.Server;
    private readonly ProjectionRebuilder _rebuilder = new(api.Database.DataSource) { PageSize = 37 };

    [Fact]
    public async Task Given_the_seed_stories_over_http_when_verified_then_no_row_differs()
    {
        var clients = await ProjectionLoad.SourceClientsAsync(_server);
        await ProjectionLoad.PlaySeedStoriesAsync(_server, clients);

        var result = await _rebuilder.RunAsync(verify: true, null, CancellationToken.None);

        Assert.True(result.Differences.Count == 0, ProjectionLoad.Describe(result.Differences));
        Assert.False(result.Swapped);
        Assert.True(result.Events > 20);
    }

    [Fact]
    public async Task Given_10000_random_signals_with_duplicates_retries_and_unknown_facets_when_verified_then_no_row_differs()
    {
        await _server.PutPolicyAsync(TestPolicies.Order(graceSeconds: 1, ledgerWithin: "PT1S", journeyWithin: "PT1S", notificationWithin: "PT1S"));
        var clients = await ProjectionLoad.SourceClientsAsync(_server);
        await ProjectionLoad.SendRandomAsync(clients, "load", signals: 10_000, operations: 150, seed: 7);
        // Let some deadlines pass so the worker's events are in the streams too.
        await Task.Delay(TimeSpan.FromSeconds(2));

        var result = await _rebuilder.RunAsync(verify: true, null, CancellationToken.None);

        Assert.True(result.Differences.Count == 0, ProjectionLoad.Describe(result.Differences));
        Assert.True(result.Events >= 10_000, $"{result.Events} events");
        await using var count = api.Database.DataSource.CreateCommand("SELECT count(*) FROM conflicts WHERE operation_id LIKE 'load-%'");
        Assert.True((long)(await count.ExecuteScalarAsync())! > 100);
    }
}
