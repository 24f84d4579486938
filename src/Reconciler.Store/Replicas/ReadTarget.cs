using Npgsql;

namespace Reconciler.Store.Replicas;

/// <summary>
/// Where one read is served from: a replica (with its lag when chosen) or the primary (with the reason it was not a
/// replica). <see cref="StillServes"/> is asked again before each query, so a long poll or an SSE stream held on a
/// replica moves to the primary when that replica falls past the maximum lag or goes away.
/// </summary>
public sealed record ReadTarget(NpgsqlDataSource DataSource, string Name, TimeSpan? Lag, string? Reason)
{
    public const string Primary = "primary";

    public bool IsPrimary => Name == Primary;

    internal Func<bool> StillServes { get; init; } = static () => true;

    public static ReadTarget OnPrimary(NpgsqlDataSource primary, string? reason) => new(primary, Primary, null, reason);
}

/// <summary>
/// What a read needs to have been replayed: the position of a write it must see (<see cref="Token"/>), and for the feed
/// the cursor it reads after (<see cref="After"/>: a replica that has not seen that cursor's transaction end would only
/// answer "nothing new"). Either may be absent.
/// </summary>
public readonly record struct ReadBound(ConsistencyToken? Token, FeedCursor? After)
{
    public static ReadBound None => default;

    public bool IsNone => Token is null && After is null;

    /// <summary>Whether a replica replayed up to <paramref name="replayed"/>, with its feed safe point at <paramref name="safe"/>, meets it.</summary>
    public bool MetBy(ConsistencyToken? replayed, ulong? safe) =>
        (Token is not { } token || replayed is { } r && r >= token)
        && (After is not { } after || safe is { } s && (s > after.TransactionId || after.Position == 0 && s >= after.TransactionId));
}
