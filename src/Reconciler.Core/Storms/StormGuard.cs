using System.Collections.Immutable;
using System.Globalization;

namespace Reconciler.Core.Storms;

/// <summary>How storms are judged: the window the rate is counted over, how often a storm notifies, how long it must stay quiet to end.</summary>
public sealed record StormRules(TimeSpan Window, TimeSpan NotifyEvery, TimeSpan QuietFor)
{
    public static StormRules Default { get; } = new(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
}

/// <summary>An input to the storm guard: a conflict opened (from the feed), or the time now.</summary>
public abstract record StormInput(DateTimeOffset At);

/// <summary>A <c>ConflictOpened</c> of <paramref name="OperationType"/>, under the policy's <paramref name="Threshold"/>.</summary>
public sealed record ConflictObserved(string OperationType, string Kind, ImmutableList<string> Sources, DateTimeOffset At, int Threshold) : StormInput(At);

/// <summary>The guard observes the time (storms notify and end with time, not only with conflicts).</summary>
public sealed record StormClock(DateTimeOffset At) : StormInput(At);

/// <summary>A storm under way: since <c>StartedAt</c>, <c>Count</c> conflicts; last notified at <c>NotifiedAt</c> with <c>NotifiedCount</c>.</summary>
public sealed record ActiveStorm(string StormId, DateTimeOffset StartedAt, long Count, ImmutableSortedSet<string> Sources, DateTimeOffset NotifiedAt, long NotifiedCount);

/// <summary>One (operation type, kind): conflicts per second of the window, their sum, the sources seen in it, the storm if one lasts,
/// and since when the rate has been below the threshold during a storm.</summary>
public sealed record StormTrack(
    ImmutableSortedDictionary<long, int> Seconds, int InWindow, ImmutableSortedSet<string> WindowSources, int Threshold, ActiveStorm? Storm, DateTimeOffset? BelowSince)
{
    public static StormTrack Empty(int threshold) => new(ImmutableSortedDictionary<long, int>.Empty, 0, ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal), threshold, null, null);
}

public sealed record StormState(ImmutableDictionary<(string OperationType, string Kind), StormTrack> Tracks)
{
    public static StormState Initial { get; } = new(ImmutableDictionary<(string, string), StormTrack>.Empty);

    public IEnumerable<(string OperationType, string Kind, ActiveStorm Storm)> Active =>
        Tracks.Where(t => t.Value.Storm is not null).Select(t => (t.Key.OperationType, t.Key.Kind, t.Value.Storm!));
}

/// <summary>
/// The conflict-storm guard, pure: when one operation type opens more than its threshold of conflicts of one kind within the
/// window, a storm starts; while it lasts it counts every such conflict and notifies at most once per <c>NotifyEvery</c> when the
/// count grew; once the rate has stayed below the threshold for <c>QuietFor</c>, it ends. The conflicts themselves are recorded
/// as always; the guard only decides what to say about them.
/// </summary>
public static class StormGuard
{
    public static (StormState State, IReadOnlyList<SystemEvent> Events) Step(StormState state, StormInput input, StormRules rules)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(rules);
        var events = new List<SystemEvent>();
        var tracks = state.Tracks;
        switch (input)
        {
            case ConflictObserved seen:
            {
                var key = (seen.OperationType, seen.Kind);
                var track = tracks.GetValueOrDefault(key) ?? StormTrack.Empty(seen.Threshold);
                track = Count(Trim(track with { Threshold = seen.Threshold }, seen.At, rules), seen);
                tracks = tracks.SetItem(key, Judge(key, track, seen.At, rules, events));
                break;
            }
            case StormClock clock:
                foreach (var (key, track) in state.Tracks)
                {
                    var judged = Judge(key, Trim(track, clock.At, rules), clock.At, rules, events);
                    tracks = judged.Storm is null && judged.InWindow == 0 ? tracks.Remove(key) : tracks.SetItem(key, judged);
                }
                break;
            default:
                throw new ArgumentException($"Unknown storm input {input?.GetType().Name}.", nameof(input));
        }

        return (new StormState(tracks), events);
    }

    // Drops the seconds that left the window (at most one window back from now).
    private static StormTrack Trim(StormTrack track, DateTimeOffset now, StormRules rules)
    {
        var oldest = SecondOf(now - rules.Window);
        var seconds = track.Seconds;
        var inWindow = track.InWindow;
        foreach (var (second, count) in track.Seconds)
        {
            if (second > oldest)
            {
                break;
            }

            seconds = seconds.Remove(second);
            inWindow -= count;
        }

        return inWindow == track.InWindow ? track
            : track with { Seconds = seconds, InWindow = inWindow, WindowSources = inWindow == 0 ? track.WindowSources.Clear() : track.WindowSources };
    }

    private static StormTrack Count(StormTrack track, ConflictObserved seen)
    {
        var second = SecondOf(seen.At);
        var storm = track.Storm is { } s ? s with { Count = s.Count + 1, Sources = s.Sources.Union(seen.Sources) } : null;
        return track with
        {
            Seconds = track.Seconds.SetItem(second, track.Seconds.GetValueOrDefault(second) + 1),
            InWindow = track.InWindow + 1,
            WindowSources = track.WindowSources.Union(seen.Sources),
            Storm = storm,
        };
    }

    private static StormTrack Judge((string OperationType, string Kind) key, StormTrack track, DateTimeOffset now, StormRules rules, List<SystemEvent> events)
    {
        if (track.Storm is not { } storm)
        {
            if (track.InWindow <= track.Threshold)
            {
                return track;
            }

            var id = string.Create(CultureInfo.InvariantCulture, $"storm-{key.OperationType}-{key.Kind}-{now.UtcDateTime:yyyyMMdd'T'HHmmss.fff'Z'}");
            var sources = track.WindowSources.ToImmutableList();
            events.Add(new ConflictStormStarted(id, key.OperationType, key.Kind, track.InWindow, track.Threshold, sources) { At = now });
            return track with { Storm = new ActiveStorm(id, now, track.InWindow, track.WindowSources, now, track.InWindow), BelowSince = null };
        }

        var below = track.InWindow < track.Threshold ? track.BelowSince ?? now : (DateTimeOffset?)null;
        if (below is { } since && now - since >= rules.QuietFor)
        {
            events.Add(new ConflictStormEnded(storm.StormId, key.OperationType, key.Kind, storm.Count, storm.StartedAt, [.. storm.Sources]) { At = now });
            return track with { Storm = null, BelowSince = null };
        }

        if (now - storm.NotifiedAt >= rules.NotifyEvery && storm.Count > storm.NotifiedCount)
        {
            events.Add(new ConflictStormContinued(storm.StormId, key.OperationType, key.Kind, storm.Count, storm.Count - storm.NotifiedCount, [.. storm.Sources]) { At = now });
            storm = storm with { NotifiedAt = now, NotifiedCount = storm.Count };
        }

        return track with { Storm = storm, BelowSince = below };
    }

    private static long SecondOf(DateTimeOffset time) => time.ToUnixTimeSeconds();
}
