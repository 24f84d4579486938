using Reconciler.Cli;
using Reconciler.IntegrationTests.Api;
using Reconciler.Store.Projections;
using Xunit.Abstractions;

namespace Reconciler.IntegrationTests.Projections;

/// <summary>A rebuild repairs a corrupted projection, keeps seq in creation order, and loses nothing that ingest commits meanwhile.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ProjectionRebuildTests(ApiServerFixture api, ITestOutputHelper output) : IClassFixture<ApiServerFixture>
{
    private readonly ApiServer _server = api.Server;
    private readonly TestDatabase _database = api.Database;

    private async Task<long> ScalarAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Given_a_corrupted_outcome_when_verified_then_it_is_reported_and_a_rebuild_fixes_it()
    {
        await _server.PutPolicyAsync(TestPolicies.Order());
        var clients = await ProjectionLoad.SourceClientsAsync(_server);
        await ProjectionLoad.SendRandomAsync(clients, "repair", signals: 1_000, operations: 40, seed: 11);
        await using (var corrupt = _database.DataSource.CreateCommand("UPDATE operations SET outcome = 'bogus' WHERE operation_id = 'repair-3'"))
        {
            Assert.Equal(1, await corrupt.ExecuteNonQueryAsync());
        }
        var rebuilder = new ProjectionRebuilder(_database.DataSource) { PageSize = 7 };

        var before = await rebuilder.RunAsync(verify: true, null, CancellationToken.None);
        var exitCode = await ProjectionsCommand.RunAsync(verify: true, _database.ConnectionString, DatabaseStartup.DefaultDataDir, CancellationToken.None);
        var rebuilt = await rebuilder.RunAsync(verify: false, null, CancellationToken.None);
        var after = await rebuilder.RunAsync(verify: true, null, CancellationToken.None);

        var difference = Assert.Single(before.Differences);
        Assert.Equal(("operations", "repair-3", "differs"), (difference.Table, difference.Id, difference.Problem));
        Assert.Equal(["outcome"], difference.Columns);
        Assert.Equal(1, exitCode);
        Assert.True(rebuilt.Swapped);
        Assert.True(after.Differences.Count == 0, ProjectionLoad.Describe(after.Differences));
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM operations WHERE outcome = 'bogus'"));
    }

    [Fact]
    public async Task Given_a_rebuild_when_done_then_seq_follows_stream_creation_and_new_rows_continue_after_it()
    {
        await _server.PutPolicyAsync(TestPolicies.Order());
        var clients = await ProjectionLoad.SourceClientsAsync(_server);
        await ProjectionLoad.SendRandomAsync(clients, "seq", signals: 500, operations: 30, seed: 5);

        await new ProjectionRebuilder(_database.DataSource).RunAsync(verify: false, null, CancellationToken.None);
        await ApiCalls.SendOneAsync(clients["warehouse"], "seq-new", "seq-new-1", "inventory", "reserved");

        // (The system stream, where a storm of this random load may land, is no operation.)
        // Operations by seq are in the order of their streams' first events; the new one comes last.
        Assert.Equal(0, await ScalarAsync("""
            SELECT count(*) FROM (
                SELECT o.seq, lag(f.first) OVER (ORDER BY o.seq) AS previous, f.first
                FROM operations o JOIN (SELECT stream_id, min(position) AS first FROM events GROUP BY stream_id) f ON f.stream_id = o.operation_id) x
            WHERE previous > first
            """));
        Assert.Equal(await ScalarAsync("SELECT max(seq) FROM operations"), await ScalarAsync("SELECT seq FROM operations WHERE operation_id = 'seq-new'"));
        Assert.Equal(await ScalarAsync("SELECT count(*) FROM streams WHERE operation_type <> '$system'"), await ScalarAsync("SELECT count(*) FROM operations"));
        Assert.Equal(await ScalarAsync("SELECT count(*) FROM conflicts"), await ScalarAsync("SELECT max(seq) FROM conflicts"));
    }

    [Fact]
    public async Task Given_ingest_going_on_when_rebuilding_then_nothing_is_lost_and_verify_finds_no_difference()
    {
        await _server.PutPolicyAsync(TestPolicies.Order());
        var clients = await ProjectionLoad.SourceClientsAsync(_server);
        await ProjectionLoad.SendRandomAsync(clients, "busy", signals: 2_000, operations: 100, seed: 3);
        var rebuilder = new ProjectionRebuilder(_database.DataSource) { PageSize = 5 };

        var ingest = ProjectionLoad.SendRandomAsync(clients, "busy", signals: 3_000, operations: 120, seed: 4, parallelism: 2);
        var rebuilds = new List<RebuildResult>();
        while (!ingest.IsCompleted)
        {
            rebuilds.Add(await rebuilder.RunAsync(verify: false, null, CancellationToken.None));
        }
        await ingest;
        var after = await rebuilder.RunAsync(verify: true, null, CancellationToken.None);

        output.WriteLine($"{rebuilds.Count} rebuilds during ingest; streams re-folded under the lock: {string.Join(", ", rebuilds.Select(r => r.CaughtUpStreams))}");
        Assert.Contains(rebuilds, r => r.CaughtUpStreams > 0);
        Assert.True(after.Differences.Count == 0, ProjectionLoad.Describe(after.Differences));
        Assert.Equal(await ScalarAsync("SELECT count(*) FROM streams WHERE operation_type <> '$system'"), await ScalarAsync("SELECT count(*) FROM operations"));
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM streams WHERE snapshot IS NULL AND operation_type <> '$system'"));
    }
}
