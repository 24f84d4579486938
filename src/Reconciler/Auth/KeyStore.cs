using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace Reconciler.Auth;

/// <summary>
/// API keys in the <c>api_keys</c> table. Lookups are cached briefly because every request authenticates;
/// a revocation on this server takes effect at once, on other servers within <see cref="CacheFor"/> (the 2 s that
/// docs/scaling.md promises, with room for a request in flight). The cache is bounded: made-up key ids (which
/// are cached as unknown) cannot grow it without limit.
/// </summary>
public sealed class KeyStore(NpgsqlDataSource dataSource) : IDisposable
{
    public const string BootstrapKeyId = "bootstrap-admin";
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private sealed record StoredKey(Caller Caller, byte[] SecretHash, bool Revoked);

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    /// <summary>The caller a bearer token belongs to, or null when it is unknown or revoked.</summary>
    public async Task<Caller?> AuthenticateAsync(string token, CancellationToken ct)
    {
        if (!ApiKeySecrets.TryParse(token, out var keyId, out var secret))
        {
            // A key that is not ours in shape can only be the bootstrap secret from the environment.
            (keyId, secret) = (BootstrapKeyId, token);
        }
        var stored = await FindAsync(keyId, ct);
        return stored is { Revoked: false } && ApiKeySecrets.Matches(secret, stored.SecretHash) ? stored.Caller : null;
    }

    public async Task<(Caller Caller, string Key)> CreateAsync(string role, string? source, string? name, CancellationToken ct)
    {
        const string sql = "INSERT INTO api_keys (key_id, secret_hash, role, source, name) VALUES ($1, $2, $3, $4, $5)";
        var (keyId, key, hash) = ApiKeySecrets.Generate();
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = keyId });
        command.Parameters.Add(new() { Value = hash });
        command.Parameters.Add(new() { Value = role });
        command.Parameters.Add(new() { Value = (object?)source ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)name ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(ct);
        return (new Caller(keyId, role, source, name), key);
    }

    /// <summary>
    /// The stamp of a live key's secret (a short hash of its stored hash), or null when the key is unknown or revoked.
    /// A console session keeps the stamp it signed in with: revoking the key, or replacing the bootstrap secret, ends it.
    /// </summary>
    public async Task<string?> StampAsync(string keyId, CancellationToken ct)
    {
        var stored = await FindAsync(keyId, ct);
        return stored is { Revoked: false } ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stored.SecretHash)[..8]) : null;
    }

    /// <summary>Revokes a key; false when no such live key exists.</summary>
    public async Task<bool> RevokeAsync(string keyId, CancellationToken ct)
    {
        const string sql = "UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = keyId });
        var revoked = await command.ExecuteNonQueryAsync(ct) == 1;
        _cache.Remove(keyId);
        return revoked;
    }

    /// <summary>Whether any live admin key exists (a server without one tells how to make the first).</summary>
    public async Task<bool> AnyAdminAsync(CancellationToken ct)
    {
        const string sql = "SELECT EXISTS (SELECT FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL)";
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>Makes the secret from <c>RECONCILER_BOOTSTRAP_ADMIN_KEY</c> an admin key (replacing an earlier one).</summary>
    public async Task EnsureBootstrapAdminAsync(string secret, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO api_keys (key_id, secret_hash, role, name) VALUES ($1, $2, 'admin', 'bootstrap')
            ON CONFLICT (key_id) DO UPDATE SET secret_hash = excluded.secret_hash, role = 'admin', revoked_at = NULL
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = BootstrapKeyId });
        command.Parameters.Add(new() { Value = ApiKeySecrets.Hash(secret) });
        await command.ExecuteNonQueryAsync(ct);
        _cache.Remove(BootstrapKeyId);
    }

    private async Task<StoredKey?> FindAsync(string keyId, CancellationToken ct)
    {
        if (_cache.TryGetValue(keyId, out StoredKey? cached))
        {
            return cached;
        }
        const string sql = "SELECT role, source, name, secret_hash, revoked_at IS NOT NULL FROM api_keys WHERE key_id = $1";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = keyId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        StoredKey? key = null;
        if (await reader.ReadAsync(ct))
        {
            key = new StoredKey(
                new Caller(keyId, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)),
                reader.GetFieldValue<byte[]>(3),
                reader.GetBoolean(4));
        }
        _cache.Set(keyId, key, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = CacheFor, Size = 1 });
        return key;
    }

    public void Dispose() => _cache.Dispose();
}
