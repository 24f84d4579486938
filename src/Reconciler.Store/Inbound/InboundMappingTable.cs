using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Store.Inbound;

/// <summary>A stored mapping version: its document (without the secret), the sealed secret and the key that sealed it.</summary>
public sealed record StoredMapping(string Source, int Version, string Body, byte[]? SealedSecret, string? SecretsKeyId, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>A source that has an inbound mapping, with its newest version.</summary>
public sealed record MappedSource(string Source, int Version, DateTimeOffset UpdatedAt);

/// <summary>
/// <c>inbound_mappings</c>: the versions of each source's mapping. A version never changes once written; the secret
/// arrives sealed and leaves sealed (the executable opens it only to check a signature).
/// </summary>
public sealed class InboundMappingTable(NpgsqlDataSource dataSource)
{
    private const string Columns = "source, version, body::text, secret, secrets_key_id, created_by, created_at";

    /// <summary>
    /// Stores a new version unless <paramref name="unchanged"/> says the newest one already is this mapping (decided
    /// under the source's lock, so two admins never write the same version number). A null sealed secret keeps the
    /// newest version's. Returns the version and whether it was created.
    /// </summary>
    public async Task<(int Version, bool Created)> PutAsync(
        string source, string body, byte[]? sealedSecret, string? secretsKeyId, string createdBy, Func<StoredMapping?, bool> unchanged, CancellationToken ct)
    {
        const string LockSql = "SELECT pg_advisory_xact_lock(hashtextextended('inbound:' || $1, 0))";
        const string InsertSql = """
            INSERT INTO inbound_mappings (source, version, body, secret, secrets_key_id, created_by)
            VALUES ($1, $2, $3, $4, $5, $6)
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand(LockSql, connection))
        {
            lockCommand.Parameters.Add(Text(source));
            await lockCommand.ExecuteNonQueryAsync(ct);
        }
        var newest = await ReadAsync(connection, source, null, ct);
        if (unchanged(newest))
        {
            return (newest!.Version, false);
        }
        var version = (newest?.Version ?? 0) + 1;
        await using (var insert = new NpgsqlCommand(InsertSql, connection))
        {
            insert.Parameters.Add(Text(source));
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
            insert.Parameters.Add(new NpgsqlParameter { Value = body, NpgsqlDbType = NpgsqlDbType.Json });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)sealedSecret ?? newest?.SealedSecret ?? (object)DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)(sealedSecret is null ? newest?.SecretsKeyId : secretsKeyId) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(Text(createdBy));
            await insert.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return (version, true);
    }

    /// <summary>Version <paramref name="version"/>, or the newest when it is null; null when there is none.</summary>
    public async Task<StoredMapping?> GetAsync(string source, int? version, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ReadAsync(connection, source, version, ct);
    }

    /// <summary>Every version of a source's mapping, newest first.</summary>
    public async Task<IReadOnlyList<StoredMapping>> VersionsAsync(string source, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM inbound_mappings WHERE source = $1 ORDER BY version DESC");
        command.Parameters.Add(Text(source));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var versions = new List<StoredMapping>();
        while (await reader.ReadAsync(ct))
        {
            versions.Add(Row(reader));
        }
        return versions;
    }

    /// <summary>The sources that have a mapping, by name, with their newest version.</summary>
    public async Task<IReadOnlyList<MappedSource>> SourcesAsync(CancellationToken ct)
    {
        const string Sql = "SELECT source, max(version), max(created_at) FROM inbound_mappings GROUP BY source ORDER BY source";
        await using var command = dataSource.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var sources = new List<MappedSource>();
        while (await reader.ReadAsync(ct))
        {
            sources.Add(new MappedSource(reader.GetString(0), reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return sources;
    }

    private static async Task<StoredMapping?> ReadAsync(NpgsqlConnection connection, string source, int? version, CancellationToken ct)
    {
        var sql = $"SELECT {Columns} FROM inbound_mappings WHERE source = $1 AND ($2::int IS NULL OR version = $2) ORDER BY version DESC LIMIT 1";
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(Text(source));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Row(reader) : null;
    }

    private static StoredMapping Row(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetInt32(1), reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3), reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6));

    internal static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };
}
