using System.Collections.Immutable;

namespace Reconciler.Core.Judging;

/// <summary>Conflict kinds, one per row of the judging table.</summary>
public static class ConflictKinds
{
    public const string Duplicate = "duplicate";
    public const string IdempotencyViolation = "idempotency-violation";
    public const string Retry = "retry";
    public const string DuplicateEffect = "duplicate-effect";
    public const string Stale = "stale";
    public const string InvalidTransition = "invalid-transition";
    public const string Disagreement = "disagreement";
    public const string Unowned = "unowned";
    public const string Missing = "missing";
    public const string PrematureEffect = "premature-effect";
    public const string Unmodeled = "unmodeled";
    public const string AttributeMismatch = "attribute-mismatch";
    public const string FinalOutcomeChanged = "final-outcome-changed";

    /// <summary>No outcome was declared within the policy's <c>accountability.finishWithin</c> of the first signal.</summary>
    public const string Unfinished = "unfinished";

    /// <summary>Every kind the engine opens, in the order of the conflicts table (docs/domain.md); a policy's
    /// <c>accountability.kinds</c> may name any of them.</summary>
    public static readonly ImmutableList<string> All =
    [
        Duplicate, Retry, Stale, IdempotencyViolation, DuplicateEffect, PrematureEffect, InvalidTransition, Disagreement, Unowned,
        Missing, Unmodeled, AttributeMismatch, FinalOutcomeChanged, Unfinished,
    ];

    public static string SeverityOf(string kind) => kind switch
    {
        Duplicate or Retry or Stale => Severities.Info,
        IdempotencyViolation or DuplicateEffect or PrematureEffect or FinalOutcomeChanged or Unfinished => Severities.High,
        _ => Severities.Medium,
    };

    /// <summary>Absorbed kinds are opened and resolved in the same decision: nothing for anyone to do.</summary>
    public static bool IsAbsorbed(string kind) => kind is Duplicate or Retry or Stale;
}

/// <summary>What a <c>DeadlinePassed</c> event says passed.</summary>
public static class DeadlineKinds
{
    /// <summary>A divergence's grace window.</summary>
    public const string Grace = "grace";

    /// <summary>An armed expectation's <c>within</c>.</summary>
    public const string Expectation = "expectation";

    /// <summary>The finish clock: the policy's <c>accountability.finishWithin</c> after the first signal.</summary>
    public const string Finish = "finish";
}

public static class Severities
{
    public const string Info = "info";
    public const string Medium = "medium";
    public const string High = "high";

    /// <summary>Every severity, most severe first (the order a policy's <c>accountability.resolveWithin</c> is written in).</summary>
    public static readonly ImmutableList<string> All = [High, Medium, Info];
}

public static class Resolutions
{
    public const string Converged = "converged";
    public const string Absorbed = "absorbed";
    public const string Accepted = "accepted";
    public const string Overridden = "overridden";
    public const string Compensated = "compensated";
    public const string Dismissed = "dismissed";

    /// <summary>An <c>unmodeled</c> conflict closed by the engine because a newer policy version names what it lacked.</summary>
    public const string ModeledByPolicy = "modeled-by-policy";

    /// <summary>An <c>unfinished</c> conflict closed by the engine because an outcome was declared at last.</summary>
    public const string Finished = "finished";

    public static bool IsOperatorResolution(string r) => r is Accepted or Overridden or Compensated or Dismissed;
}

/// <summary>
/// How a signal's source stands to its facet: the owner, another source, or a source of an unowned facet
/// (recorded as <c>role</c> on <c>SignalReceived</c>; not the API keys' roles).
/// </summary>
public static class SourceStandings
{
    public const string Owner = "owner";
    public const string NonOwner = "non-owner";
    public const string Unowned = "unowned";
    public const string None = "none";
}

/// <summary>The basis of a facet's agreed state (API.md).</summary>
public static class Bases
{
    public const string Owner = "owner";
    public const string Provisional = "provisional";
    public const string Override = "override";
    public const string None = "none";
}

public static class HealthStates
{
    public const string Consistent = "consistent";
    public const string Diverging = "diverging";
    public const string Conflicted = "conflicted";
}

public static class Outcomes
{
    public const string Pending = "pending";
}

/// <summary>How sure a declared outcome is (DOMAIN: outcome finality).</summary>
public static class Finalities
{
    /// <summary>A facet the outcome rests on has an open conflict (or the outcome is pending).</summary>
    public const string Provisional = "provisional";

    /// <summary>Every facet it rests on is owner-backed or overridden, with no open conflict.</summary>
    public const string Agreed = "agreed";

    /// <summary>It stayed agreed and unchanged for the policy's <c>finalAfter</c>.</summary>
    public const string Final = "final";
}
