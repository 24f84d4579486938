using Reconciler.IntegrationTests.Store;
using Reconciler.Store.Projections;

namespace Reconciler.IntegrationTests.Projections;

/// <summary>A rebuild right after a bulk load first gives the planner statistics of events and streams, and only then.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PlannerStatisticsTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await postgres.CreateDatabaseAsync(nameof(PlannerStatisticsTests));

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    private async Task<(double Tuples, DateTime? Analyzed)> StatisticsAsync(string table)
    {
        await using var command = _db.DataSource.CreateCommand(
            "SELECT c.reltuples, s.last_analyze FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = $1::regclass");
        command.Parameters.AddWithValue(table);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetFloat(0), reader.IsDBNull(1) ? null : reader.GetDateTime(1));
    }

    [Fact]
    public async Task Given_tables_loaded_and_never_analysed_when_refreshing_then_they_get_statistics_once()
    {
        for (var i = 0; i < 20; i++)
        {
            await RawEvents.InsertAsync(_db.DataSource, $"op-{i}", 50);
        }
        Assert.True((await StatisticsAsync("events")).Tuples < 0, "a table written but never vacuumed or analysed has no row estimate");

        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await PlannerStatistics.RefreshIfStaleAsync(connection, CancellationToken.None);
        var events = await StatisticsAsync("events");
        var streams = await StatisticsAsync("streams");
        await RawEvents.InsertAsync(_db.DataSource, "op-late", 1);
        await PlannerStatistics.RefreshIfStaleAsync(connection, CancellationToken.None);

        Assert.Equal(1_000, events.Tuples);
        Assert.Equal(20, streams.Tuples);
        Assert.NotNull(events.Analyzed);
        Assert.Equal(events.Analyzed, (await StatisticsAsync("events")).Analyzed);
    }
}
