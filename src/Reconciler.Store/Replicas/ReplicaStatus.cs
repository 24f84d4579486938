namespace Reconciler.Store.Replicas;

/// <summary>
/// How far a read replica is, as last checked: reachable, in recovery, replay paused, replayed up to, its feed safe point
/// (the oldest transaction it still sees running), and lag.
/// </summary>
public sealed record ReplicaStatus(
    string Name, bool Reachable, bool InRecovery, bool ReplayPaused, ConsistencyToken? Replayed, ulong? SafeTransaction, TimeSpan? Lag,
    DateTimeOffset? CheckedAt, string? Error)
{
    public static ReplicaStatus Unchecked(string name) => new(name, false, false, false, null, null, null, null, "not checked yet");

    /// <summary>May serve reads at all: reachable and a standby (a promoted or mistaken primary is not a replica).</summary>
    public bool Usable => Reachable && InRecovery && Replayed is not null;

    /// <summary>Within <paramref name="maxLag"/> of the primary (a replica whose lag is unknown is not).</summary>
    public bool WithinLag(TimeSpan maxLag) => Usable && Lag is { } lag && lag <= maxLag;

    /// <summary>What is wrong, for /readyz and logs; null when it is usable within <paramref name="maxLag"/>.</summary>
    public string? Problem(TimeSpan maxLag) =>
        !Reachable ? $"unreachable: {Error}"
        : !InRecovery ? "not a standby (pg_is_in_recovery() is false)"
        : ReplayPaused && !WithinLag(maxLag) ? $"replay paused, {Lag?.TotalSeconds:0.0} s behind"
        : !WithinLag(maxLag) ? $"{Lag?.TotalSeconds:0.0} s behind (more than {maxLag.TotalSeconds:0.#} s)"
        : null;
}
