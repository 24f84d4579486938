using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Reconciler.Core.Inbound;

namespace Reconciler.Inbound;

/// <summary>Why a delivery's signature was refused: <c>invalid-signature</c> or, for a valid one whose timestamp is out of tolerance, <c>stale-signature</c>.</summary>
public sealed record SignatureRefusal(string Slug, string Detail);

/// <summary>
/// Checks a delivery's signature over the exact bytes received, as each system signs (docs/inbound.md): Stripe
/// (<c>Stripe-Signature: t=…,v1=…</c>, HMAC-SHA256 of "t.body" keyed with the secret's text), Standard Webhooks
/// (<c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature: v1,…</c>, keyed with the base64 bytes after <c>whsec_</c>)
/// and a plain HMAC-SHA256 of the body in a named header. A timestamp is checked only once the signature holds, so
/// that "stale" always means a genuine delivery sent again late (a replay). Every comparison is constant-time.
/// </summary>
public static class SignatureCheck
{
    public const string StripeHeader = "Stripe-Signature";

    public static SignatureRefusal? Check(InboundVerification verify, string secret, IHeaderDictionary headers, ReadOnlySpan<byte> body, DateTimeOffset now) =>
        verify.Scheme switch
        {
            InboundWords.Stripe => Stripe(verify, secret, headers, body, now),
            InboundWords.StandardWebhooks => StandardWebhooks(verify, secret, headers, body, now),
            InboundWords.HmacSha256 => Hmac(verify, secret, headers, body),
            _ => throw new ArgumentException($"The scheme '{verify.Scheme}' signs nothing.", nameof(verify)),
        };

    private static SignatureRefusal? Stripe(InboundVerification verify, string secret, IHeaderDictionary headers, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var header = Single(headers, StripeHeader);
        if (header is null)
        {
            return Invalid($"The delivery has no {StripeHeader} header (or several): the scheme 'stripe' needs 't=<unix time>,v1=<hex signature>'.");
        }
        long? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(','))
        {
            var (name, value) = part.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (part[..eq].Trim(), part[(eq + 1)..].Trim()) : ("", "");
            if (name == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (name == "v1" && Hex(value) is { } signature)
            {
                signatures.Add(signature);
            }
        }
        if (timestamp is null || signatures.Count == 0)
        {
            return Invalid($"{StripeHeader} must carry t=<unix time> and at least one v1=<hex signature>.");
        }
        var expected = Mac(Encoding.UTF8.GetBytes(secret), $"{timestamp}.", body);
        return !signatures.Any(s => CryptographicOperations.FixedTimeEquals(s, expected))
            ? Invalid($"No v1 signature of {StripeHeader} matches the body with this source's secret.")
            : Fresh(timestamp.Value, verify, now);
    }

    private static SignatureRefusal? StandardWebhooks(InboundVerification verify, string secret, IHeaderDictionary headers, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var (id, time, signature) = (Single(headers, "webhook-id"), Single(headers, "webhook-timestamp"), Single(headers, "webhook-signature"));
        if (id is null || time is null || signature is null)
        {
            return Invalid("A Standard Webhooks delivery carries one each of webhook-id, webhook-timestamp and webhook-signature.");
        }
        if (!long.TryParse(time, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            return Invalid("webhook-timestamp must be the Unix time in seconds.");
        }
        var encoded = secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret;
        var expected = Mac(Convert.FromBase64String(encoded), $"{id}.{time}.", body);
        var matched = false;
        foreach (var candidate in signature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var bytes = new byte[64];
            matched |= candidate.StartsWith("v1,", StringComparison.Ordinal)
                && Convert.TryFromBase64String(candidate[3..], bytes, out var length) && length == expected.Length
                && CryptographicOperations.FixedTimeEquals(bytes.AsSpan(0, length), expected);
        }
        return matched ? Fresh(timestamp, verify, now) : Invalid("No v1 signature of webhook-signature matches the id, timestamp and body with this source's secret.");
    }

    private static SignatureRefusal? Hmac(InboundVerification verify, string secret, IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        var name = verify.Header!;
        var header = Single(headers, name);
        if (header is null)
        {
            return Invalid($"The delivery has no {name} header (or several): this source signs its body there.");
        }
        var prefix = verify.Prefix ?? "";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return Invalid($"{name} must start with '{prefix}' and the {verify.Encoding} signature.");
        }
        var text = header[prefix.Length..].Trim();
        var given = verify.Encoding == InboundWords.Base64 ? Base64(text) : Hex(text);
        var expected = Mac(Encoding.UTF8.GetBytes(secret), "", body);
        return given is not null && CryptographicOperations.FixedTimeEquals(given, expected)
            ? null
            : Invalid($"The {verify.Encoding} HMAC-SHA256 in {name} does not match the body with this source's secret.");
    }

    /// <summary>Within tolerance on either side (a clock ahead of ours, or a delivery sent again late).</summary>
    private static SignatureRefusal? Fresh(long timestamp, InboundVerification verify, DateTimeOffset now)
    {
        var age = now.ToUnixTimeSeconds() - timestamp;
        return Math.Abs(age) <= verify.ToleranceSeconds
            ? null
            : new SignatureRefusal("stale-signature",
                $"The signature is valid but its timestamp is {Math.Abs(age)} s {(age > 0 ? "old" : "ahead")}; this source accepts {verify.ToleranceSeconds} s (verify.toleranceSeconds). A delivery sent again that late is refused as a replay: let the system send a fresh one.");
    }

    private static byte[] Mac(byte[] key, string prefix, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes(prefix));
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    private static string? Single(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count == 1 && values[0] is { Length: > 0 and <= 4096 } value ? value : null;

    private static byte[]? Hex(string text)
    {
        try
        {
            return text.Length == 64 ? Convert.FromHexString(text) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[]? Base64(string text)
    {
        var bytes = new byte[48];
        return Convert.TryFromBase64String(text, bytes, out var length) && length == 32 ? bytes[..32] : null;
    }

    private static SignatureRefusal Invalid(string detail) => new("invalid-signature", detail);
}
