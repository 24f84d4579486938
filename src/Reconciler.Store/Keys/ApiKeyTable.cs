using Npgsql;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Keys;

/// <summary>An API key's row: who it is (role, source, name), its secret's hash and whether it was revoked.</summary>
public sealed record StoredApiKey(string KeyId, string Role, string? Source, string? Name, byte[] SecretHash, bool Revoked);

/// <summary>The <c>api_keys</c> table. Secrets never reach it: only their hashes (the host makes and checks them).</summary>
public sealed class ApiKeyTable(NpgsqlDataSource dataSource)
{
    public async Task InsertAsync(string keyId, byte[] secretHash, string role, string? source, string? name, CancellationToken ct)
    {
        const string sql = "INSERT INTO api_keys (key_id, secret_hash, role, source, name) VALUES ($1, $2, $3, $4, $5)";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(Text(keyId));
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = secretHash });
        command.Parameters.Add(Text(role));
        command.Parameters.Add(Text(source));
        command.Parameters.Add(Text(name));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Revokes a key; false when no such live key exists.</summary>
    public async Task<bool> RevokeAsync(string keyId, CancellationToken ct)
    {
        const string sql = "UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(Text(keyId));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Whether any live admin key exists.</summary>
    public async Task<bool> AnyAdminAsync(CancellationToken ct)
    {
        const string sql = "SELECT EXISTS (SELECT FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL)";
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>Makes <paramref name="keyId"/> a live admin key with this secret hash (replacing an earlier one).</summary>
    public async Task UpsertAdminAsync(string keyId, byte[] secretHash, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO api_keys (key_id, secret_hash, role, name) VALUES ($1, $2, 'admin', 'bootstrap')
            ON CONFLICT (key_id) DO UPDATE SET secret_hash = excluded.secret_hash, role = 'admin', revoked_at = NULL
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(Text(keyId));
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = secretHash });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<StoredApiKey?> FindAsync(string keyId, CancellationToken ct)
    {
        const string sql = "SELECT role, source, name, secret_hash, revoked_at IS NOT NULL FROM api_keys WHERE key_id = $1";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(Text(keyId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new StoredApiKey(keyId, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<byte[]>(3), reader.GetBoolean(4))
            : null;
    }
}
