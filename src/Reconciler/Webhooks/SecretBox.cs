using System.Security.Cryptography;
using System.Text;

namespace Reconciler.Webhooks;

/// <summary>
/// Seals webhook secrets with AES-GCM under the server's secrets key before they reach PostgreSQL, so a
/// database dump alone cannot sign deliveries. The key is loaded (or its file created) on first use, so a
/// server without subscriptions never touches it. Sealed form: version 1, 12-byte nonce, 16-byte tag,
/// ciphertext; the subscription's name is the associated data, so a sealed secret cannot be moved to another row.
/// </summary>
public sealed class SecretBox(WebhookOptions options)
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly Lazy<SecretsKey> _key = new(() => SecretsKey.Load(options), LazyThreadSafetyMode.PublicationOnly);

    /// <summary>Names the key without revealing it (stored beside every sealed secret).</summary>
    public string KeyId => _key.Value.Id;

    /// <summary>Seals a secret for its owner: a subscription's name, or (with <paramref name="purpose"/> <c>inbound-secret</c>) a source's.</summary>
    public byte[] Seal(string secret, string subscriptionName, string purpose = WebhookPurpose)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[1 + NonceSize + TagSize + plain.Length];
        sealedBytes[0] = Version;
        var nonce = sealedBytes.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key.Value.Bytes, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(1 + NonceSize + TagSize), sealedBytes.AsSpan(1 + NonceSize, TagSize), Associated(purpose, subscriptionName));
        return sealedBytes;
    }

    /// <summary>The secret, or a <see cref="SecretUnreadableException"/> when this server's key did not seal it.</summary>
    public string Open(byte[] sealedBytes, string subscriptionName, string sealedWithKeyId, string purpose = WebhookPurpose)
    {
        if (sealedWithKeyId != KeyId)
        {
            throw new SecretUnreadableException(
                $"the secret of '{subscriptionName}' was sealed with secrets key {sealedWithKeyId}, but this server has key {KeyId}; give every server the same {WebhookOptions.SecretsKeyVariable} (docs/webhooks.md)");
        }
        if (sealedBytes.Length < 1 + NonceSize + TagSize || sealedBytes[0] != Version)
        {
            throw new SecretUnreadableException($"the stored secret of '{subscriptionName}' is not in a known sealed form");
        }
        var plain = new byte[sealedBytes.Length - 1 - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_key.Value.Bytes, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(1, NonceSize), sealedBytes.AsSpan(1 + NonceSize + TagSize), sealedBytes.AsSpan(1 + NonceSize, TagSize), plain, Associated(purpose, subscriptionName));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new SecretUnreadableException($"the stored secret of '{subscriptionName}' does not open with this server's secrets key", e);
        }
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>The purposes a secret is sealed for: part of the associated data, so a secret cannot be moved from one use to another.</summary>
    public const string WebhookPurpose = "webhook-secret";
    public const string InboundPurpose = "inbound-secret";

    private static byte[] Associated(string purpose, string owner) => Encoding.UTF8.GetBytes($"reconciler/{purpose}/{owner}");
}

public sealed class SecretUnreadableException(string message, Exception? inner = null) : Exception(message, inner);
