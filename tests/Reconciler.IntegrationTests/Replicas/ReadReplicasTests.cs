using Npgsql;
using Reconciler.IntegrationTests.Api;
using Reconciler.Store;
using Reconciler.Store.Replicas;

namespace Reconciler.IntegrationTests.Replicas;

/// <summary>Routing reads against a real hot standby: round robin within the lag, read-your-writes by token, and the primary when a replica is paused, late or gone.</summary>
[Collection(ReplicaCollection.Name)]
public sealed class ReadReplicasTests(ReplicaFixture replicas) : IAsyncLifetime
{
    private string _primary = null!;
    private string _standby = null!;
    private NpgsqlDataSource _primarySource = null!;

    public async Task InitializeAsync()
    {
        (_primary, _standby) = await replicas.CreateDatabaseAsync(nameof(ReadReplicasTests));
        _primarySource = StoreDataSource.Create(_primary);
        await ExecuteAsync(_primary, "CREATE TABLE IF NOT EXISTS reconciler.probe (id bigint)");
    }

    public async Task DisposeAsync()
    {
        await ExecuteAsync(replicas.Standby.ConnectionString, "SELECT pg_wal_replay_resume()");
        await _primarySource.DisposeAsync();
    }

    [Fact]
    public async Task Given_a_replica_in_step_when_reading_without_and_with_a_fresh_token_then_the_replica_serves_both()
    {
        await using var reads = await StartAsync([_standby]);
        await ExecuteAsync(_primary, "INSERT INTO reconciler.probe VALUES (1)");
        var token = await reads.CurrentTokenAsync(CancellationToken.None);

        var plain = await reads.ChooseAsync(ReadBound.None, CancellationToken.None);
        var mine = await reads.ChooseAsync(new ReadBound(token, null), CancellationToken.None);

        Assert.Equal("replica-1", plain.Name);
        Assert.Equal("replica-1", mine.Name);
        await using var command = mine.DataSource.CreateCommand("SELECT count(*) FROM reconciler.probe WHERE id = 1");
        Assert.True((long)(await command.ExecuteScalarAsync())! >= 1);
    }

    [Fact]
    public async Task Given_a_replica_whose_replay_is_paused_when_a_write_is_read_with_its_token_then_the_primary_answers_within_the_wait()
    {
        await using var reads = await StartAsync([_standby], tokenWait: TimeSpan.FromMilliseconds(300), maxLag: TimeSpan.FromSeconds(1));
        await ExecuteAsync(replicas.Standby.ConnectionString, "SELECT pg_wal_replay_pause()");
        await ExecuteAsync(_primary, "INSERT INTO reconciler.probe VALUES (2)");
        var token = await reads.CurrentTokenAsync(CancellationToken.None);

        var started = DateTime.UtcNow;
        var mine = await reads.ChooseAsync(new ReadBound(token, null), CancellationToken.None);
        var waited = DateTime.UtcNow - started;
        await ExecuteAsync(_primary, "INSERT INTO reconciler.probe VALUES (3)");
        var status = await ApiCalls.EventuallyAsync(async () =>
        {
            await reads.CheckAsync(CancellationToken.None);
            return reads.Statuses.Single();
        }, s => s.Lag > reads.MaxLag);
        var plain = await reads.ChooseAsync(ReadBound.None, CancellationToken.None);

        Assert.True(mine.IsPrimary, $"read from {mine.Name}");
        Assert.StartsWith("no replica replayed past the consistency token", mine.Reason);
        // It waited for the replica (at least its bound) before giving up on it.
        Assert.True(waited >= TimeSpan.FromMilliseconds(250), $"gave up after {waited}");
        Assert.True(plain.IsPrimary, $"read from {plain.Name} though it is {status.Lag} behind");
        Assert.True(status.ReplayPaused);
        Assert.Contains("replay paused", status.Problem(reads.MaxLag));
    }

    [Fact]
    public async Task Given_a_replica_that_is_gone_when_reading_then_the_primary_answers_and_the_status_says_unreachable()
    {
        var gone = new NpgsqlConnectionStringBuilder(_standby) { Port = 1, Timeout = 2 }.ConnectionString;
        await using var reads = await StartAsync([gone]);

        var target = await reads.ChooseAsync(ReadBound.None, CancellationToken.None);

        Assert.True(target.IsPrimary);
        Assert.StartsWith("unreachable", reads.Statuses.Single().Problem(reads.MaxLag));
    }

    private async Task<ReadReplicas> StartAsync(IReadOnlyList<string> connections, TimeSpan? tokenWait = null, TimeSpan? maxLag = null)
    {
        var reads = new ReadReplicas(_primarySource, new ReplicaOptions
        {
            Connections = connections,
            TokenWait = tokenWait ?? TimeSpan.FromSeconds(5),
            MaxLag = maxLag ?? TimeSpan.FromSeconds(5),
        }, TimeProvider.System);
        await reads.CheckAsync(CancellationToken.None);
        return reads;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
