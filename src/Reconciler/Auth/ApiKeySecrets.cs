using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Reconciler.Auth;

/// <summary>
/// A key reads <c>rk_{id}_{secret}</c>: the id finds the row, only a SHA-256 of the secret is stored, and
/// the comparison is constant-time. Secrets are 32 random bytes, so a plain hash is enough (no password stretching).
/// </summary>
public static class ApiKeySecrets
{
    private const string Prefix = "rk_";

    public static (string KeyId, string Key, byte[] SecretHash) Generate()
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (keyId, $"{Prefix}{keyId}_{secret}", Hash(secret));
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool TryParse(string key, out string keyId, out string secret)
    {
        keyId = secret = "";
        if (!key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var separator = key.IndexOf('_', Prefix.Length);
        if (separator <= Prefix.Length || separator == key.Length - 1)
        {
            return false;
        }
        keyId = key[Prefix.Length..separator];
        secret = key[(separator + 1)..];
        return true;
    }

    public static bool Matches(string secret, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);
}
