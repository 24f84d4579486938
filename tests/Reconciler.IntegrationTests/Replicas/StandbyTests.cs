using Npgsql;

namespace Reconciler.IntegrationTests.Replicas;

/// <summary>The test fixture's standby is a real hot standby: read-only, in recovery, and it follows the primary.</summary>
[Collection(ReplicaCollection.Name)]
public sealed class StandbyTests(ReplicaFixture replicas)
{
    [Fact]
    public async Task Given_a_row_written_on_the_primary_when_the_standby_replays_then_it_reads_it_and_refuses_writes()
    {
        var (primary, standby) = await replicas.CreateDatabaseAsync(nameof(StandbyTests));
        await using (var connection = new NpgsqlConnection(primary))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("CREATE TABLE probe (id int); INSERT INTO probe VALUES (42)", connection);
            await insert.ExecuteNonQueryAsync();
        }
        await ReplicaFixture.WaitForReplayAsync(primary, standby, TimeSpan.FromSeconds(30));

        await using var replica = new NpgsqlConnection(standby);
        await replica.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT pg_is_in_recovery(), (SELECT id FROM probe)", replica);
        await using (var reader = await read.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.True(reader.GetBoolean(0));
            Assert.Equal(42, reader.GetInt32(1));
        }
        await using var write = new NpgsqlCommand("INSERT INTO probe VALUES (1)", replica);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, refused.SqlState);
    }
}
