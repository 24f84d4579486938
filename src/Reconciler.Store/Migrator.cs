using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Reconciler.Store;

/// <summary>A forward-only migration file: <c>NNNN_verb_object.sql</c> and its text.</summary>
public sealed record MigrationScript(string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>An applied migration file was edited afterwards: its checksum no longer matches.</summary>
public sealed class MigrationChecksumException(string name, string recorded, string current)
    : Exception($"Migration '{name}' was applied with checksum {recorded} but the file now has checksum {current}; applied migrations are never edited, add a new file instead.")
{
    public string MigrationName { get; } = name;
}

/// <summary>
/// Applies pending migration files in name order, each in its own transaction, under a session
/// advisory lock so that several processes may start at once; records each with its SHA-256 in
/// <c>schema_migrations</c> of the store's schema (which it creates).
/// </summary>
public sealed class Migrator(NpgsqlDataSource dataSource, string? schema = null)
{
    // The two-int advisory key space is separate from the one-bigint space used for stream locks.
    private const int LockClass = 0x5265_636F; // "Reco"

    public string Schema { get; } = schema ?? StoreDataSource.SchemaOf(dataSource);

    /// <summary>The files of eventstore-migrations/ embedded in this assembly, in order.</summary>
    public static IReadOnlyList<MigrationScript> EmbeddedScripts()
    {
        var assembly = typeof(Migrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                return new MigrationScript(n["migrations/".Length..], reader.ReadToEnd());
            })
            .ToList();
    }

    /// <summary>The embedded migrations this database has not applied (all of them when it has none), without taking the lock.</summary>
    public async Task<IReadOnlyList<string>> PendingAsync(CancellationToken ct = default)
    {
        // The data source's search_path is the store's schema.
        await using var command = dataSource.CreateCommand("SELECT name FROM schema_migrations");
        var applied = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                applied.Add(reader.GetString(0));
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // Not migrated at all.
        }
        return [.. EmbeddedScripts().Select(s => s.Name).Where(name => !applied.Contains(name))];
    }

    /// <summary>Applies the embedded migrations; returns the names of the files applied by this call.</summary>
    public Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct = default) => MigrateAsync(EmbeddedScripts(), ct);

    public async Task<IReadOnlyList<string>> MigrateAsync(IReadOnlyList<MigrationScript> scripts, CancellationToken ct = default)
    {
        var schema = QuoteIdentifier(Schema);
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({LockClass}, hashtext('{Schema.Replace("'", "''", StringComparison.Ordinal)}'))", ct).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, null, $"""
                CREATE SCHEMA IF NOT EXISTS {schema};
                SET search_path TO {schema};
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name       text        PRIMARY KEY,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now());
                """, ct).ConfigureAwait(false);

            var applied = new Dictionary<string, string>(StringComparer.Ordinal);
            await using (var command = new NpgsqlCommand("SELECT name, checksum FROM schema_migrations", connection))
            await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    applied[reader.GetString(0)] = reader.GetString(1);
                }
            }
            foreach (var script in scripts)
            {
                if (applied.TryGetValue(script.Name, out var recorded) && recorded != script.Checksum)
                {
                    throw new MigrationChecksumException(script.Name, recorded, script.Checksum);
                }
            }

            var done = new List<string>();
            foreach (var script in scripts.Where(s => !applied.ContainsKey(s.Name)).OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, script.Sql, ct).ConfigureAwait(false);
                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = script.Name });
                    record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = script.Checksum });
                    await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                done.Add(script.Name);
            }
            return done;
        }
        finally
        {
            // Unlock even when cancelled: the connection goes back to the pool with its session. A
            // broken connection has lost its session, and the lock with it.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ExecuteAsync(connection, null, $"RESET search_path; SELECT pg_advisory_unlock_all()", CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
