using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Reconciler.Webhooks;

namespace Reconciler.Auth;

/// <summary>
/// Seals each data-protection key with AES-GCM under the server's secrets key (the one that seals webhook secrets,
/// <see cref="SecretsKey"/>) before it is stored, so that a copy of the database cannot forge a console session.
/// The key is loaded on first use: a server whose console is never used never reads or creates it.
/// Sealed form: <c>&lt;sealedKey secretsKeyId="…"&gt;base64(nonce, tag, ciphertext)&lt;/sealedKey&gt;</c>.
/// </summary>
public sealed class SealedKeyEncryptor(KeySeal seal) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(seal.Seal(plaintextElement), typeof(SealedKeyDecryptor));
}

/// <summary>Opens what <see cref="SealedKeyEncryptor"/> sealed; created by the framework with the service provider.</summary>
public sealed class SealedKeyDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) => services.GetRequiredService<KeySeal>().Open(encryptedElement);
}

/// <summary>The AES-GCM sealing of key XML under the secrets key; one per server.</summary>
public sealed class KeySeal(WebhookOptions options)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Associated = Encoding.UTF8.GetBytes("reconciler/data-protection-key");
    private readonly Lazy<SecretsKey> _key = new(() => SecretsKey.Load(options), LazyThreadSafetyMode.PublicationOnly);

    public XElement Seal(XElement plain)
    {
        var text = Encoding.UTF8.GetBytes(plain.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[NonceSize + TagSize + text.Length];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, NonceSize));
        using var aes = new AesGcm(_key.Value.Bytes, TagSize);
        aes.Encrypt(sealedBytes.AsSpan(0, NonceSize), text, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), Associated);
        return new XElement("sealedKey", new XAttribute("secretsKeyId", _key.Value.Id), Convert.ToBase64String(sealedBytes));
    }

    public XElement Open(XElement sealedElement)
    {
        var keyId = (string?)sealedElement.Attribute("secretsKeyId");
        if (keyId != _key.Value.Id)
        {
            throw new CryptographicException(
                $"A console key was sealed with secrets key {keyId}, but this server has {_key.Value.Id}; give every server on one database the same {WebhookOptions.SecretsKeyVariable} (docs/console.md).");
        }
        var sealedBytes = Convert.FromBase64String(sealedElement.Value);
        var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key.Value.Bytes, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), plain, Associated);
        return XElement.Parse(Encoding.UTF8.GetString(plain));
    }
}
