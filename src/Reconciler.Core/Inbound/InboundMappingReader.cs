using System.Collections.Immutable;
using System.Text.Json;
using Reconciler.Core.Policies;

namespace Reconciler.Core.Inbound;

/// <summary>A mapping read from JSON: the mapping and the secret it gave (if any) when valid, else every problem found.</summary>
public sealed record InboundMappingReadResult(InboundMapping? Mapping, string? Secret, ImmutableList<PolicyProblem> Problems)
{
    public bool IsValid => Mapping is not null && Problems.IsEmpty;
}

/// <summary>
/// Reads and validates an inbound mapping document (docs/inbound.md) the way <see cref="PolicyReader"/> reads a
/// policy: every problem with its JSON path and what to fix, unknown properties with a "did you mean". The
/// expression language is not known here (the core references nothing): <paramref name="expressionProblem"/>
/// says why an expression does not compile, or null.
/// </summary>
public static partial class InboundMappingReader
{
    public const int MaxRules = 100;
    public const int MaxAttributes = 100;
    public const int MaxExpressionLength = 2_000;
    public const int MaxSecretLength = 1_000;

    private static readonly string[] RootProperties = ["format", "verify", "secret", "rules", "csv"];

    /// <summary>What <c>GET</c> adds to a stored mapping; ignored when sent back, so that a fetched mapping can be PUT as it is.</summary>
    public static readonly ImmutableList<string> ReadOnlyProperties = ["source", "version", "createdAt", "createdBy", "hasSecret"];

    private static readonly string[] VerifyProperties = ["scheme", "header", "prefix", "encoding", "toleranceSeconds"];
    private static readonly string[] CsvProperties = ["delimiter", "header", "columns", "rules"];

    /// <param name="hasStoredSecret">The source's newest version holds a secret, which a document without one keeps.</param>
    public static InboundMappingReadResult Read(JsonElement json, bool hasStoredSecret, Func<string, string?> expressionProblem)
    {
        ArgumentNullException.ThrowIfNull(expressionProblem);
        var reading = new PolicyReading();
        if (json.ValueKind != JsonValueKind.Object)
        {
            reading.Add("$", $"a mapping must be a JSON object, not {PolicyReading.Kind(json)}");
            return new(null, null, reading.Problems);
        }
        var root = reading.Properties(Writable(json), "", RootProperties);
        var format = InboundWords.Json;
        if (reading.String(root, "format", "", "") is { } named)
        {
            format = OneOf(reading, "format", named, InboundWords.Formats) ?? format;
        }
        var verify = root.TryGetValue("verify", out var v) ? ReadVerify(reading, v) : null;
        var secret = ReadSecret(reading, root, verify, hasStoredSecret);
        var rules = root.TryGetValue("rules", out var r) ? ReadRules(reading, r, "rules", expressionProblem) : [];
        var csv = root.TryGetValue("csv", out var c) ? ReadCsv(reading, c, expressionProblem) : null;
        if (!root.ContainsKey("rules") && !root.ContainsKey("csv"))
        {
            reading.Add("rules", "is required: give the rules that map deliveries, or a 'csv' section for statement files (or both)");
        }
        if (root.ContainsKey("rules") && !root.ContainsKey("verify"))
        {
            reading.Add("verify", $"is required with rules: say how deliveries are checked, e.g. {{ \"scheme\": \"stripe\" }} ({string.Join(", ", InboundWords.Schemes)})");
        }
        if (reading.HasProblems)
        {
            return new(null, null, reading.Problems);
        }
        return new(new InboundMapping(format, verify, rules, csv), secret, []);
    }

    /// <summary>The document without the members GET adds, so that they are neither reported as unknown nor stored.</summary>
    private static JsonElement Writable(JsonElement json)
    {
        if (!json.EnumerateObject().Any(p => ReadOnlyProperties.Contains(p.Name)))
        {
            return json;
        }
        var copy = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in json.EnumerateObject().Where(p => !ReadOnlyProperties.Contains(p.Name)))
        {
            copy.TryAdd(property.Name, property.Value);
        }
        return JsonSerializer.SerializeToElement(copy);
    }

    private static string? OneOf(PolicyReading reading, string path, string value, IReadOnlyList<string> known)
    {
        if (known.Contains(value))
        {
            return value;
        }
        reading.Add(path, $"'{value}' is not known{NearNames.Hint(value, known)} {PolicyReading.Known(known)}");
        return null;
    }

    private static InboundVerification? ReadVerify(PolicyReading reading, JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            reading.Add("verify", $"must be an object such as {{ \"scheme\": \"stripe\" }}, not {PolicyReading.Kind(json)}");
            return null;
        }
        var before = reading.Count;
        var verify = reading.Properties(json, "verify", VerifyProperties);
        var scheme = reading.String(verify, "scheme", "verify", $"one of {string.Join(", ", InboundWords.Schemes)}") is { } s
            ? OneOf(reading, "verify.scheme", s, InboundWords.Schemes)
            : null;
        var header = reading.String(verify, "header", "verify", scheme == InboundWords.HmacSha256 ? "the header that carries the signature, e.g. X-Hub-Signature-256" : "");
        if (header is not null && !HeaderName().IsMatch(header))
        {
            reading.Add("verify.header", $"'{header}' is not a header name: use 1..100 letters, digits and - _ .");
        }
        var prefix = verify.ContainsKey("prefix") ? reading.String(verify, "prefix", "verify", "") : null;
        var encoding = reading.String(verify, "encoding", "verify", "") is { } e
            ? OneOf(reading, "verify.encoding", e, [InboundWords.Hex, InboundWords.Base64])
            : InboundWords.Hex;
        var tolerance = InboundWords.DefaultToleranceSeconds;
        if (verify.TryGetValue("toleranceSeconds", out var t))
        {
            tolerance = reading.Seconds(t, "verify.toleranceSeconds") ?? tolerance;
            if (tolerance is < 1 or > 86_400)
            {
                reading.Add("verify.toleranceSeconds", $"must be 1..86400 seconds (default {InboundWords.DefaultToleranceSeconds}), not {tolerance}");
            }
        }
        if (scheme is not null && scheme != InboundWords.HmacSha256)
        {
            foreach (var only in new[] { "header", "prefix", "encoding" }.Where(verify.ContainsKey))
            {
                reading.Add($"verify.{only}", $"belongs to the scheme '{InboundWords.HmacSha256}'; '{scheme}' has its own headers: leave it out");
            }
        }
        if (scheme is InboundWords.HmacSha256 or InboundWords.Key && verify.ContainsKey("toleranceSeconds"))
        {
            reading.Add("verify.toleranceSeconds", $"the scheme '{scheme}' signs no timestamp, so there is nothing to be tolerant of: leave it out");
        }
        return reading.Count > before || scheme is null ? null : new InboundVerification(scheme, header, prefix, encoding ?? InboundWords.Hex, tolerance);
    }

    private static string? ReadSecret(PolicyReading reading, Dictionary<string, JsonElement> root, InboundVerification? verify, bool hasStoredSecret)
    {
        var secret = root.ContainsKey("secret") ? reading.String(root, "secret", "", "") : null;
        if (verify is null)
        {
            if (root.ContainsKey("secret") && !root.ContainsKey("verify"))
            {
                reading.Add("secret", "belongs to a 'verify' scheme that signs deliveries; add 'verify' or leave it out");
            }
            return secret;
        }
        if (!InboundWords.NeedsSecret(verify.Scheme))
        {
            if (root.ContainsKey("secret"))
            {
                reading.Add("secret", "the scheme 'key' is checked against the API key in Authorization: leave the secret out");
            }
            return null;
        }
        if (secret is null)
        {
            if (!root.ContainsKey("secret") && !hasStoredSecret)
            {
                reading.Add("secret", $"is required by the scheme '{verify.Scheme}': the secret the system signs with (it is sealed and never shown again)");
            }
            return null;
        }
        if (SecretProblem(verify.Scheme, secret) is { } problem)
        {
            reading.Add("secret", problem);
            return null;
        }
        return secret;
    }

    /// <summary>Why <paramref name="secret"/> cannot sign for <paramref name="scheme"/> (said without echoing it), or null.</summary>
    public static string? SecretProblem(string scheme, string secret)
    {
        if (secret.Length > MaxSecretLength || secret.Any(char.IsControl))
        {
            return $"must be 1..{MaxSecretLength} characters without control characters";
        }
        if (scheme != InboundWords.StandardWebhooks)
        {
            return null;
        }
        // Standard Webhooks keys with the bytes of the base64 after the prefix (the prefix itself is optional there).
        var encoded = secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret;
        var bytes = new byte[(encoded.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(encoded, bytes, out var length) && length is >= 24 and <= 64
            ? null
            : "must be 'whsec_' followed by the standard base64 of 24 to 64 bytes, as the system shows it";
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_.-]{1,100}$")]
    private static partial System.Text.RegularExpressions.Regex HeaderName();
}
