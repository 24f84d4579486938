using System.Collections.Immutable;

namespace Reconciler.Core.Judging;

/// <summary>What the engine knew of one source when a command came in: when it last heard from it (a signal or a
/// heartbeat) and its watermark ("I have sent everything I observed up to this time"), if it sent one.</summary>
public sealed record SourceActivity(DateTimeOffset? LastHeardAt, DateTimeOffset? Watermark);

/// <summary>The activity of every source the engine has heard from, as an input: the core reads no table and no clock.
/// A source missing from it was never heard from.</summary>
public sealed record SourceWatch(ImmutableDictionary<string, SourceActivity> Sources)
{
    public static SourceWatch Empty { get; } = new(ImmutableDictionary<string, SourceActivity>.Empty);

    public SourceActivity? Of(string source) => Sources.GetValueOrDefault(source);
}

/// <summary>Why a signal is missing when an expectation's deadline passes (null: no more is known than that it is missing).</summary>
public static class MissingCauses
{
    /// <summary>The target facet's owner was silent then: no signal or heartbeat within its <c>silentAfter</c>.</summary>
    public const string SourceSilent = "source-silent";

    /// <summary>The owner's watermark was past the deadline: it has sent everything it observed, so the signal is genuinely missing.</summary>
    public const string NotReported = "not-reported";
}
