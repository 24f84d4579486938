using System.Security.Cryptography;
using System.Text;

namespace Reconciler.Webhooks;

/// <summary>
/// A subscription's signing secret as Standard Webhooks writes it: <c>whsec_</c> and the base64 of 24 to 64
/// random bytes. Deliveries are keyed with those bytes (the base64 decoded), never with the text.
/// </summary>
public static class WebhookSecret
{
    public const string Prefix = "whsec_";
    public const int MinBytes = 24;
    public const int MaxBytes = 64;

    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Why <paramref name="secret"/> is not a usable secret (said so that it can follow "secret"), or null.</summary>
    public static string? Problem(string secret)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return $"must start with '{Prefix}' followed by the base64 of {MinBytes} to {MaxBytes} random bytes (or leave it out and the server generates one)";
        }
        var bytes = new byte[MaxBytes + 3];
        if (!Convert.TryFromBase64String(secret[Prefix.Length..], bytes, out var length))
        {
            return $"must be '{Prefix}' followed by standard base64 (A-Z a-z 0-9 + / and = padding) of {MinBytes} to {MaxBytes} random bytes";
        }
        return length is < MinBytes or > MaxBytes
            ? $"holds {length} bytes after '{Prefix}'; it must hold {MinBytes} to {MaxBytes} random bytes"
            : null;
    }

    /// <summary>The HMAC key: the bytes after the prefix. The secret must be valid (<see cref="Problem"/> is null).</summary>
    public static byte[] KeyBytes(string secret) => Convert.FromBase64String(secret[Prefix.Length..]);
}

/// <summary>
/// The signature headers of one delivery attempt, with every live key (newest first; two while an old
/// secret is still sent after a rotation):
/// <c>webhook-signature: v1,&lt;base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"&gt;</c> (Standard Webhooks) and
/// <c>Reconciler-Signature: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>, both space-separated per key.
/// </summary>
public static class WebhookSignature
{
    public static string Standard(string id, long timestamp, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return string.Join(' ', keys.Select(key => "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed))));
    }

    public static string Body(ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys)
    {
        var parts = new string[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            parts[i] = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(keys[i], body));
        }
        return string.Join(' ', parts);
    }
}
