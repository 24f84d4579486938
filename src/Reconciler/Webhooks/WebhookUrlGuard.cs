using System.Net;
using System.Net.Sockets;

namespace Reconciler.Webhooks;

/// <summary>
/// Where webhooks may go: http or https only, no credentials in the URL, and — unless the server runs with
/// --allow-private-webhooks — no loopback, private, link-local, unspecified, multicast or reserved address.
/// The URL is checked when a subscription is created or changed, and every connection checks the addresses
/// its host resolves to at that moment (<see cref="ConnectAsync"/>), so a name re-pointed at a private
/// address later (DNS rebinding) is refused too.
/// </summary>
public static class WebhookUrlGuard
{
    public const int MaxUrlLength = 2000;
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(2);

    /// <summary>A refused target: <paramref name="Rule"/> is a stable name, <paramref name="Message"/> says what to do.</summary>
    public sealed record Refusal(string Rule, string Message);

    public static string AllowHint =>
        $"such targets are refused unless the server runs with --allow-private-webhooks (or {WebhookOptions.AllowPrivateVariable}=true)";

    /// <summary>The URL's form and literal host; then, for a name, what it resolves to now (a name that does not resolve is accepted).</summary>
    public static async Task<(Uri? Url, Refusal? Refusal)> CheckAsync(string text, bool allowPrivate, CancellationToken ct)
    {
        if (text.Length > MaxUrlLength || !Uri.TryCreate(text, UriKind.Absolute, out var url) || url.HostNameType == UriHostNameType.Unknown || url.Host.Length == 0)
        {
            return (null, new Refusal("malformed-url", $"must be an absolute http or https URL of at most {MaxUrlLength} characters, such as https://hooks.example.com/reconciler"));
        }
        if (url.Scheme is not ("http" or "https"))
        {
            return (null, new Refusal("scheme", $"uses the scheme '{url.Scheme}'; only http and https are allowed"));
        }
        if (url.UserInfo.Length > 0)
        {
            return (null, new Refusal("credentials", "holds credentials (user:password@); put none in the URL: receivers authenticate deliveries by their signature"));
        }
        if (allowPrivate)
        {
            return (url, null);
        }
        if (IsLocalhostName(url.IdnHost))
        {
            return (null, new Refusal("loopback-address", $"targets {url.Host}, a loopback name; {AllowHint}"));
        }
        IPAddress[] addresses;
        if (IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(ResolveTimeout);
                addresses = await Dns.GetHostAddressesAsync(url.IdnHost, timeout.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                return (url, null); // checked again at every connection
            }
        }
        foreach (var address in addresses)
        {
            if (Classify(address) is { } rule)
            {
                return (null, Refuse(url.Host, address, rule));
            }
        }
        return (url, null);
    }

    /// <summary>The rule an address breaks (loopback-address, private-address, …), or null for a public address.</summary>
    public static string? Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] switch
            {
                0 => "unspecified-address",
                10 => "private-address",
                100 when (b[1] & 0xC0) == 64 => "private-address", // 100.64.0.0/10, carrier-grade NAT
                127 => "loopback-address",
                169 when b[1] == 254 => "link-local-address",
                172 when b[1] is >= 16 and <= 31 => "private-address",
                192 when b[1] == 168 => "private-address",
                >= 224 and <= 239 => "multicast-address",
                >= 240 => "reserved-address",
                _ => null,
            };
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "reserved-address";
        }
        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return "loopback-address";
        }
        if (address.Equals(IPAddress.IPv6Any))
        {
            return "unspecified-address";
        }
        if (address.IsIPv6LinkLocal)
        {
            return "link-local-address";
        }
        if (address.IsIPv6UniqueLocal || address.IsIPv6SiteLocal)
        {
            return "private-address";
        }
        if (address.IsIPv6Multicast)
        {
            return "multicast-address";
        }
        var bytes = address.GetAddressBytes();
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address: judge that one.
        if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && bytes.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return Classify(new IPAddress(bytes.AsSpan(12, 4)));
        }
        return bytes[0] == 0x20 && bytes[1] == 0x02 ? Classify(new IPAddress(bytes.AsSpan(2, 4))) : null;
    }

    /// <summary>
    /// The webhook client's connection step: resolves the host now and connects only to addresses the rules
    /// allow (all of them with <paramref name="options"/>.AllowPrivateTargets).
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(WebhookOptions options, DnsEndPoint endpoint, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        var allowed = options.AllowPrivateTargets ? addresses : addresses.Where(a => Classify(a) is null).ToArray();
        if (allowed.Length == 0)
        {
            var refused = addresses.Length == 0 ? null : addresses[0];
            throw new HttpRequestException(refused is null
                ? $"{endpoint.Host} resolves to no address"
                : Refuse(endpoint.Host, refused, Classify(refused)!).Message);
        }
        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    private static Refusal Refuse(string host, IPAddress address, string rule)
    {
        var kind = rule.Replace("-address", "", StringComparison.Ordinal);
        var what = host.Trim('[', ']') == address.ToString() ? address.ToString() : $"{host} ({address})";
        return new Refusal(rule, $"targets {what}, a {kind} address; {AllowHint}");
    }

    private static bool IsLocalhostName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
}
