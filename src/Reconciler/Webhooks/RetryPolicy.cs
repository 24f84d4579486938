using System.Net.Http.Headers;
using Reconciler.Store.Webhooks;

namespace Reconciler.Webhooks;

/// <summary>
/// A subscription's <c>retry</c> object: how many attempts a delivery gets and how long it may take before it
/// is parked, and the back-off between attempts. The schedule is data (each waiting delivery stores its next
/// attempt time in PostgreSQL); this type only computes the next wait.
/// </summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan InitialDelay, TimeSpan MaxDelay, TimeSpan MaxAge)
{
    public static readonly RetryPolicy Default = new(8, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1), TimeSpan.FromHours(24));

    /// <summary>As stored.</summary>
    public RetrySettings Settings => new(MaxAttempts, InitialDelay, MaxDelay, MaxAge);

    public static RetryPolicy Of(RetrySettings stored) => new(stored.MaxAttempts, stored.InitialDelay, stored.MaxDelay, stored.MaxAge);

    public const int MinAttempts = 1;
    public const int MaxAttemptsLimit = 20;
    public static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxInitialDelay = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxDelayLimit = TimeSpan.FromDays(1);
    public static readonly TimeSpan MinAge = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxAgeLimit = TimeSpan.FromDays(30);

    /// <summary>
    /// The n-th wait as multiples of <see cref="InitialDelay"/>: with the defaults about 5 s, 30 s, 2 min,
    /// 10 min, 30 min, 1 h, then hourly (capped by <see cref="MaxDelay"/>).
    /// </summary>
    private static readonly int[] Ladder = [1, 6, 24, 120, 360, 720];

    /// <summary>Jitter: each wait is drawn from 80 % to 120 % of its step, so receivers that failed together do not get retried together.</summary>
    private const double Jitter = 0.2;

    /// <summary>
    /// The wait after the <paramref name="failedAttempts"/>-th failed attempt (1 = the first), at least what the
    /// receiver asked for with Retry-After (itself capped at <see cref="MaxDelay"/>).
    /// </summary>
    public TimeSpan NextDelay(int failedAttempts, TimeSpan? retryAfter, double random)
    {
        var step = Ladder[Math.Clamp(failedAttempts, 1, Ladder.Length) - 1];
        var ticks = Math.Min(InitialDelay.Ticks * (double)step, MaxDelay.Ticks);
        var jittered = TimeSpan.FromTicks((long)(ticks * (1 - Jitter + 2 * Jitter * random)));
        if (jittered > MaxDelay)
        {
            jittered = MaxDelay;
        }
        if (retryAfter is { } asked && asked > jittered)
        {
            jittered = asked < MaxDelay ? asked : MaxDelay;
        }
        return jittered < MinDelay ? MinDelay : jittered;
    }

    /// <summary>
    /// After a failed attempt: park (null) when the attempts or the age are used up, else the next attempt
    /// time — never later than the end of <see cref="MaxAge"/>, so the last attempt happens at that edge.
    /// </summary>
    public DateTimeOffset? NextAttempt(int failedAttempts, DateTimeOffset firstAttemptAt, DateTimeOffset now, TimeSpan? retryAfter, double random)
    {
        var end = firstAttemptAt + MaxAge;
        if (failedAttempts >= MaxAttempts || now >= end)
        {
            return null;
        }
        var next = now + NextDelay(failedAttempts, retryAfter, random);
        return next < end ? next : end;
    }

    /// <summary>The Retry-After of an answer as a wait from <paramref name="now"/> (seconds or an HTTP date).</summary>
    public static TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };
}
