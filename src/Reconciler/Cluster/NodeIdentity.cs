using System.Globalization;

namespace Reconciler.Cluster;

/// <summary>
/// This server as the cluster knows it: <see cref="Name"/> from <c>--node</c> (default: host name and process
/// id), a fresh <see cref="Instance"/> per process, and the address it listens on (shown to operators).
/// </summary>
public sealed record NodeIdentity(string Name, Guid Instance)
{
    public string? Address { get; set; }

    public static NodeIdentity Create(string? name) =>
        new(string.IsNullOrWhiteSpace(name) ? DefaultName() : name.Trim(), Guid.NewGuid());

    public static string DefaultName() => $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// How leases are timed. A lease lives <see cref="LeaseTtl"/> unless renewed; the holder renews every
/// <see cref="RenewEvery"/>, others look for free leases every <see cref="AcquireEvery"/>. A killed holder's
/// job therefore moves within TTL + AcquireEvery (3.5 s); a frozen one's write transaction is ended by
/// PostgreSQL after <see cref="LeaseTtl"/> of idleness (check_lease sets it), so it cannot hold a lease's row either.
/// </summary>
public static class LeaseTiming
{
    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromMilliseconds(750);
    public static readonly TimeSpan AcquireEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>A node that missed its heartbeats this long is not counted as live (webhook subscriptions are shared among live nodes).</summary>
    public static readonly TimeSpan NodeLiveWithin = LeaseTtl;
}

/// <summary>What a node name may be: shown in logs, /healthz and lease rows, so short and printable.</summary>
public static class NodeNames
{
    public const int MaxLength = 100;

    /// <summary>Why <paramref name="name"/> cannot name a node, or null when it can (null itself means the default).</summary>
    public static string? Problem(string? name) => name switch
    {
        null => null,
        _ when string.IsNullOrWhiteSpace(name) => "a node name cannot be blank",
        { Length: > MaxLength } => $"a node name has at most {MaxLength} characters",
        _ when !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') => "a node name uses letters, digits, '-', '_' and '.' only",
        _ => null,
    };
}
