using Npgsql;
using Reconciler.Store;

namespace Reconciler.IntegrationTests;

/// <summary>
/// The PostgreSQL server of the test run, shared by every test class:
/// <c>RECONCILER_TEST_DB</c> (a connection string to a server where we may create databases) when
/// set, else one private EmbeddedPostgres in a temporary folder (fsync off), started on first use
/// and stopped when the test process exits (its watchdog also stops it if the process is killed).
///
/// Use from a test class — each class gets its own fresh database, migrated by the real files:
/// <code>
/// [Collection(PostgresCollection.Name)]
/// public sealed class MyTests(PostgresFixture postgres) : IAsyncLifetime
/// {
///     private TestDatabase _db = null!;
///     public async Task InitializeAsync() => _db = await postgres.CreateDatabaseAsync(nameof(MyTests));
///     public Task DisposeAsync() => _db.DisposeAsync().AsTask();
///     [Fact] public async Task Works() { var store = new EventStore(_db.DataSource); … }
/// }
/// </code>
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _adminConnectionString;
    private static EmbeddedPostgres? _server;

    /// <summary>A connection string to the server's maintenance database (postgres).</summary>
    public string AdminConnectionString => _adminConnectionString ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>The private server, or null when RECONCILER_TEST_DB is used.</summary>
    public EmbeddedPostgres? Server => _server;

    public async Task InitializeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_adminConnectionString is not null)
            {
                return;
            }
            var external = Environment.GetEnvironmentVariable("RECONCILER_TEST_DB");
            if (!string.IsNullOrWhiteSpace(external))
            {
                _adminConnectionString = external;
                return;
            }
            EmbeddedPostgres server;
            try
            {
                server = await EmbeddedPostgres.StartAsync(EmbeddedPostgresOptions.Temporary("reconciler-test"));
            }
            catch (EmbeddedPostgresException e)
            {
                // The product's advice (--connection) is not how tests are pointed elsewhere.
                throw new InvalidOperationException(
                    $"The integration tests start their own PostgreSQL and could not: {e.Message.Split(". Install")[0]}. " +
                    "Run script/test (it installs what is missing), or set RECONCILER_TEST_DB to a connection string of a server where the tests may create databases.", e);
            }
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
            _server = server;
            _adminConnectionString = server.ConnectionString;
        }
        finally
        {
            Gate.Release();
        }
    }

    // The server outlives any one collection; it stops at process exit.
    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// A new, empty database named after <paramref name="name"/> (plus a unique suffix), with the
    /// store's schema migrated by the embedded migration files unless <paramref name="migrate"/> is false.
    /// </summary>
    public async Task<TestDatabase> CreateDatabaseAsync(string name, bool migrate = true, string schema = StoreDataSource.DefaultSchema)
    {
        var database = $"t_{new string(name.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(40).ToArray())}_{Guid.NewGuid():N}"[..^20];
        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;
        var dataSource = StoreDataSource.Create(connectionString, schema);
        if (migrate)
        {
            await new Migrator(dataSource).MigrateAsync();
        }
        return new TestDatabase(database, connectionString, dataSource, AdminConnectionString, dropOnDispose: _server is null);
    }
}

/// <summary>Every test class that touches PostgreSQL joins this collection.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>A database of one test class. <see cref="DataSource"/> has search_path = the store schema.</summary>
public sealed class TestDatabase(string name, string connectionString, NpgsqlDataSource dataSource, string adminConnectionString, bool dropOnDispose) : IAsyncDisposable
{
    public string Name { get; } = name;

    /// <summary>The database's connection string, without search_path (pass it to StoreDataSource.Create or the server).</summary>
    public string ConnectionString { get; } = connectionString;

    public NpgsqlDataSource DataSource { get; } = dataSource;

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        if (dropOnDispose)
        {
            // Only on a server we do not own: the private one is deleted whole at the end.
            await using var admin = new NpgsqlConnection(adminConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
