using Microsoft.Extensions.Caching.Memory;
using Reconciler.Store.Keys;

namespace Reconciler.Auth;

/// <summary>
/// API keys (<see cref="ApiKeyTable"/>): made, checked and stamped here, stored as hashes. Lookups are cached briefly because every request authenticates;
/// a revocation on this server takes effect at once, on other servers within <see cref="CacheFor"/> (the 2 s that
/// docs/scaling.md promises, with room for a request in flight). The cache is bounded: made-up key ids (which
/// are cached as unknown) cannot grow it without limit.
/// </summary>
public sealed class KeyStore(ApiKeyTable keys) : IDisposable
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
        var (keyId, key, hash) = ApiKeySecrets.Generate();
        await keys.InsertAsync(keyId, hash, role, source, name, ct);
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
        var revoked = await keys.RevokeAsync(keyId, ct);
        _cache.Remove(keyId);
        return revoked;
    }

    /// <summary>Whether any live admin key exists (a server without one tells how to make the first).</summary>
    public Task<bool> AnyAdminAsync(CancellationToken ct) => keys.AnyAdminAsync(ct);

    /// <summary>Makes the secret from <c>RECONCILER_BOOTSTRAP_ADMIN_KEY</c> an admin key (replacing an earlier one).</summary>
    public async Task EnsureBootstrapAdminAsync(string secret, CancellationToken ct)
    {
        await keys.UpsertAdminAsync(BootstrapKeyId, ApiKeySecrets.Hash(secret), ct);
        _cache.Remove(BootstrapKeyId);
    }

    private async Task<StoredKey?> FindAsync(string keyId, CancellationToken ct)
    {
        if (_cache.TryGetValue(keyId, out StoredKey? cached))
        {
            return cached;
        }
        var key = await keys.FindAsync(keyId, ct) is { } row
            ? new StoredKey(new Caller(keyId, row.Role, row.Source, row.Name), row.SecretHash, row.Revoked)
            : null;
        _cache.Set(keyId, key, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = CacheFor, Size = 1 });
        return key;
    }

    public void Dispose() => _cache.Dispose();
}
