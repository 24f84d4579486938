using System.Security.Cryptography;
using System.Text;

namespace Reconciler.Webhooks;

/// <summary>
/// The 32-byte key that seals webhook secrets: <c>RECONCILER_SECRETS_KEY</c> (base64) when set, else the key
/// file, created with mode 0600 on first use (embedded PostgreSQL: in its data folder; --connection:
/// <c>.reconciler/secrets.key</c> in the working directory). Servers sharing one database need the same key.
/// </summary>
public sealed record SecretsKey(byte[] Bytes, string Id)
{
    public const int Size = 32;

    public static SecretsKey Load(WebhookOptions options)
    {
        if (options.SecretsKey is { } text)
        {
            return FromBase64(text, $"{WebhookOptions.SecretsKeyVariable}");
        }
        var path = Path.GetFullPath(options.SecretsKeyFile);
        if (!File.Exists(path))
        {
            TryCreate(path);
        }
        return FromBase64(File.ReadAllText(path), path);
    }

    /// <summary>A new key as the key file and the environment variable hold it.</summary>
    public static string NewBase64() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(Size));

    private static SecretsKey FromBase64(string text, string origin)
    {
        var bytes = new byte[Size + 3];
        if (!Convert.TryFromBase64String(text.Trim(), bytes, out var written) || written != Size)
        {
            throw new InvalidOperationException($"{origin} must hold the base64 of exactly {Size} bytes (make one with `openssl rand -base64 32`).");
        }
        var key = bytes[..Size];
        var id = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes("reconciler secrets key id"))[..8]);
        return new SecretsKey(key, id);
    }

    private static void TryCreate(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written aside, then moved into place: another server starting in the same folder never reads half a key.
        var aside = $"{path}.{Environment.ProcessId}.new";
        var file = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(aside, file))
        {
            stream.Write(Encoding.ASCII.GetBytes(NewBase64() + "\n"));
            stream.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(aside, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another server created it first: use theirs.
            File.Delete(aside);
        }
    }
}
