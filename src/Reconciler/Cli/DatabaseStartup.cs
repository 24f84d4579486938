using Npgsql;
using Reconciler.Store;

namespace Reconciler.Cli;

/// <summary>
/// Where the product's database is: the connection string given (or RECONCILER_CONNECTION), else a private
/// PostgreSQL in the data folder. Migrations are applied either way. Disposing stops the private server.
/// </summary>
public sealed class DatabaseStartup : IAsyncDisposable
{
    public const string ConnectionVariable = "RECONCILER_CONNECTION";
    public const string DefaultDataDir = ".reconciler/pg";

    private readonly EmbeddedPostgres? _embedded;

    private DatabaseStartup(NpgsqlDataSource dataSource, EmbeddedPostgres? embedded, string description)
    {
        DataSource = dataSource;
        _embedded = embedded;
        Description = description;
    }

    public NpgsqlDataSource DataSource { get; }
    public string Description { get; }

    /// <summary>
    /// <see cref="StartAsync"/> for a command: when the database cannot be reached, started or migrated it says
    /// why on stderr, prefixed with the command, and returns null (the command then exits with 2).
    /// </summary>
    public static async Task<DatabaseStartup?> TryStartAsync(string? connection, string dataDir, string command, CancellationToken ct)
    {
        try
        {
            return await StartAsync(connection, dataDir, Console.Out, ct);
        }
        catch (Exception e) when (e is EmbeddedPostgresException or NpgsqlException or MigrationChecksumException)
        {
            await Console.Error.WriteLineAsync($"reconciler {command}: {e.Message}");
            return null;
        }
    }

    public static async Task<DatabaseStartup> StartAsync(string? connection, string dataDir, TextWriter output, CancellationToken ct)
    {
        connection ??= Environment.GetEnvironmentVariable(ConnectionVariable);
        EmbeddedPostgres? embedded = null;
        string description;
        if (string.IsNullOrWhiteSpace(connection))
        {
            output.WriteLine($"Starting the embedded PostgreSQL in {Path.GetFullPath(dataDir)} …");
            embedded = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Folder = dataDir }, ct);
            connection = embedded.ConnectionString;
            description = $"embedded PostgreSQL in {embedded.DataDirectory} (port {embedded.Port})";
        }
        else
        {
            var builder = new NpgsqlConnectionStringBuilder(connection);
            description = $"PostgreSQL at {builder.Host}:{builder.Port}/{builder.Database}";
        }
        var dataSource = StoreDataSource.Create(connection);
        try
        {
            var applied = await new Migrator(dataSource).MigrateAsync(ct);
            if (applied.Count > 0)
            {
                output.WriteLine($"Applied migrations: {string.Join(", ", applied)}");
            }
            await WarnUnlessUtf8Async(dataSource, output, ct);
        }
        catch
        {
            await dataSource.DisposeAsync();
            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }
            throw;
        }
        return new DatabaseStartup(dataSource, embedded, description);
    }

    /// <summary>
    /// A UTF8 database refuses invalid text and NUL itself, a second guard behind the input rules; a SQL_ASCII
    /// one stores any bytes, which the server could then not read back. Said at start, not refused.
    /// </summary>
    private static async Task WarnUnlessUtf8Async(NpgsqlDataSource dataSource, TextWriter output, CancellationToken ct)
    {
        if (await StoreDataSource.ServerEncodingAsync(dataSource, ct) is { } encoding && encoding != "UTF8")
        {
            output.WriteLine($"Warning: the database's encoding is {encoding}, not UTF8; create it with ENCODING 'UTF8' (see docs/input.md).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }
    }
}
