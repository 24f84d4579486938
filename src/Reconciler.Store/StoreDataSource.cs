using Npgsql;

namespace Reconciler.Store;

/// <summary>Builds the one <see cref="NpgsqlDataSource"/> of a process, its search_path set to the store's schema.</summary>
public static class StoreDataSource
{
    public const string DefaultSchema = "reconciler";

    public static NpgsqlDataSource Create(string connectionString, string schema = DefaultSchema)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema };
        if (builder.MaxAutoPrepare == 0)
        {
            // The store runs a handful of statements over and over: prepare them on each connection
            // after their second use (saves parse and plan time on every append).
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }
        // Returning a connection to the pool would otherwise run seven reset statements before its next use
        // (RESET ALL, pg_advisory_unlock_all(), UNLISTEN *, …), several times per request. Nothing here leaves
        // session state behind, except the two long-lived sessions (the feed's LISTEN and the deadline worker's
        // session lock), which undo their own before they close.
        builder.NoResetOnClose = true;
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>The schema a data source's connections use (its SearchPath, else the default).</summary>
    public static string SchemaOf(NpgsqlDataSource dataSource)
    {
        var searchPath = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).SearchPath;
        return string.IsNullOrWhiteSpace(searchPath) ? DefaultSchema : searchPath.Split(',')[0].Trim().Trim('"');
    }

    /// <summary>The database's text encoding as PostgreSQL names it (<c>UTF8</c>, <c>SQL_ASCII</c>, …).</summary>
    public static async Task<string?> ServerEncodingAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SHOW server_encoding");
        return await command.ExecuteScalarAsync(ct) as string;
    }
}
