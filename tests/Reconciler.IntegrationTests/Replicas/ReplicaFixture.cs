using Npgsql;
using Reconciler.Store;

namespace Reconciler.IntegrationTests.Replicas;

/// <summary>
/// A primary and a hot standby of it on this machine, for the read-replica tests: the primary is a private test server
/// (not the shared one, whose every test database would otherwise stream to the standby too), the standby is made by
/// <c>pg_basebackup -R</c> and follows it by streaming replication. Each test class gets its own database.
/// </summary>
public sealed class ReplicaFixture : IAsyncLifetime
{
    public EmbeddedPostgres Primary { get; private set; } = null!;
    public EmbeddedPostgres Standby { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // pg_stat_statements on both sides: which statements each one ran is how the tests see where a read went.
        var statements = new Dictionary<string, string> { ["shared_preload_libraries"] = "pg_stat_statements" };
        Primary = await EmbeddedPostgres.StartAsync(EmbeddedPostgresOptions.Temporary("reconciler-primary") with { Settings = statements });
        await ExecuteAsync(Primary.ConnectionString, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        Standby = await EmbeddedPostgres.StartAsync(
            EmbeddedPostgresOptions.Temporary("reconciler-standby") with { StandbyOf = Primary.ConnectionString, Settings = statements });
    }

    public async Task DisposeAsync()
    {
        await Standby.DisposeAsync();
        await Primary.DisposeAsync();
    }

    /// <summary>A new database on the primary, migrated, and its connection strings on both sides once the standby has it.</summary>
    public async Task<(string Primary, string Standby)> CreateDatabaseAsync(string name)
    {
        var database = $"r_{new string(name.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(40).ToArray())}";
        var primary = await Primary.CreateDatabaseAsync(database);
        await using (var dataSource = StoreDataSource.Create(primary))
        {
            await new Migrator(dataSource).MigrateAsync(CancellationToken.None);
        }
        var standby = Standby.ConnectionStringFor(database);
        await WaitForReplayAsync(primary, standby, TimeSpan.FromSeconds(30));
        return (primary, standby);
    }

    /// <summary>A new migrated database (see <see cref="CreateDatabaseAsync"/>) as a test database of the primary, and its standby connection string.</summary>
    public async Task<(TestDatabase Primary, string Standby)> CreateTestDatabaseAsync(string name)
    {
        var (primary, standby) = await CreateDatabaseAsync(name);
        var database = new NpgsqlConnectionStringBuilder(primary).Database!;
        return (new TestDatabase(database, primary, StoreDataSource.Create(primary), Primary.ConnectionString, dropOnDispose: false), standby);
    }

    /// <summary>Runs one statement on a server (pauses and resumes replay on the standby, for instance).</summary>
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>How many times a server ran, in <paramref name="database"/>, a statement containing <paramref name="fragment"/> (pg_stat_statements).</summary>
    public static async Task<long> CallsAsync(string serverConnectionString, string database, string fragment)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT coalesce(sum(s.calls), 0)::bigint FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = $1 AND strpos(s.query, $2) > 0
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fragment });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Waits until the standby has replayed everything the primary had written when called.</summary>
    public static async Task WaitForReplayAsync(string primary, string standby, TimeSpan timeout)
    {
        string target;
        await using (var connection = new NpgsqlConnection(primary))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()::text", connection);
            target = (string)(await command.ExecuteScalarAsync())!;
        }
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(standby);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = target });
                if (await command.ExecuteScalarAsync() is true)
                {
                    return;
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
            {
                // The database itself is not replayed yet.
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"The standby did not replay up to {target} within {timeout}.");
            }
            await Task.Delay(20);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ReplicaCollection : ICollectionFixture<ReplicaFixture>
{
    public const string Name = "replica";
}
