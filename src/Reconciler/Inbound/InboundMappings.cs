using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Core.Inbound;
using Reconciler.Store.Inbound;
using Reconciler.Webhooks;

namespace Reconciler.Inbound;

/// <summary>One version of a source's mapping as the server uses it: read, with its stored row (the secret still sealed).</summary>
public sealed record MappingVersion(StoredMapping Stored, InboundMapping Mapping)
{
    public string Source => Stored.Source;
    public int Version => Stored.Version;
    public bool HasSecret => Stored.SealedSecret is not null;
}

/// <summary>
/// The versions of each source's mapping: stored through <see cref="InboundMappingTable"/>, secrets sealed with the
/// server's secrets key (as webhook secrets are, <see cref="SecretBox"/>, the source's name bound in), read versions
/// cached (a version never changes). Which version is newest is asked of the database on every use.
/// </summary>
public sealed class InboundMappings(InboundMappingTable table, SecretBox secrets)
{
    private readonly ConcurrentDictionary<(string, int), MappingVersion> _read = new();

    /// <summary>Reads a mapping document; <paramref name="hasStoredSecret"/>: the newest version has a secret a document without one keeps.</summary>
    public static InboundMappingReadResult Read(JsonElement document, bool hasStoredSecret) =>
        InboundMappingReader.Read(document, hasStoredSecret, MappingExpressions.Problem);

    public async Task<MappingVersion?> GetAsync(string source, int? version, CancellationToken ct)
    {
        if (version is { } known && _read.TryGetValue((source, known), out var cached))
        {
            return cached;
        }
        return await table.GetAsync(source, version, ct) is { } stored ? Remember(stored) : null;
    }

    public async Task<IReadOnlyList<MappingVersion>> VersionsAsync(string source, CancellationToken ct) =>
        [.. (await table.VersionsAsync(source, ct)).Select(Remember)];

    /// <summary>Stores <paramref name="document"/> (a valid mapping) as a new version unless it equals the newest, secret included.</summary>
    public Task<(int Version, bool Created)> PutAsync(string source, JsonElement document, string? secret, string createdBy, CancellationToken ct)
    {
        var body = StoredBody(document);
        var sealedSecret = secret is null ? null : secrets.Seal(secret, source, SecretBox.InboundPurpose);
        return table.PutAsync(source, body, sealedSecret, secret is null ? null : secrets.KeyId, createdBy, newest =>
            newest is not null
            && SameJson(newest.Body, body)
            && (secret is null || (newest.SealedSecret is not null && SameSecret(newest, secret))), ct);
    }

    /// <summary>The secret in the clear, to check one signature; a <see cref="SecretUnreadableException"/> when this server's key did not seal it.</summary>
    public string OpenSecret(MappingVersion version) =>
        secrets.Open(version.Stored.SealedSecret!, version.Source, version.Stored.SecretsKeyId!, SecretBox.InboundPurpose);

    /// <summary>The document as stored: without its secret and the members GET adds, compact.</summary>
    private static string StoredBody(JsonElement document)
    {
        var json = JsonNode.Parse(document.GetRawText())!.AsObject();
        json.Remove("secret");
        foreach (var name in InboundMappingReader.ReadOnlyProperties)
        {
            json.Remove(name);
        }
        return json.ToJsonString(InboundMappingApi.Readable);
    }

    private static bool SameJson(string left, string right)
    {
        using var a = JsonDocument.Parse(left);
        using var b = JsonDocument.Parse(right);
        return JsonElement.DeepEquals(a.RootElement, b.RootElement);
    }

    private bool SameSecret(StoredMapping newest, string secret)
    {
        try
        {
            return secrets.Open(newest.SealedSecret!, newest.Source, newest.SecretsKeyId!, SecretBox.InboundPurpose) == secret;
        }
        catch (SecretUnreadableException)
        {
            return false;
        }
    }

    private MappingVersion Remember(StoredMapping stored) => _read.GetOrAdd((stored.Source, stored.Version), _ =>
    {
        using var document = JsonDocument.Parse(stored.Body);
        var read = Read(document.RootElement, hasStoredSecret: true);
        var mapping = read.Mapping ?? throw new InvalidOperationException(
            $"Stored inbound mapping {stored.Source} v{stored.Version} no longer reads: {string.Join("; ", read.Problems)}");
        return new MappingVersion(stored, mapping);
    });
}
