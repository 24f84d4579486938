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

    public static string SeverityOf(string kind) => kind switch
    {
        Duplicate or Retry or Stale => Severities.Info,
        IdempotencyViolation or DuplicateEffect or PrematureEffect or FinalOutcomeChanged => Severities.High,
        _ => Severities.Medium,
    };

    /// <summary>Absorbed kinds are opened and resolved in the same decision: nothing for anyone to do.</summary>
    public static bool IsAbsorbed(string kind) => kind is Duplicate or Retry or Stale;
}

public static class Severities
{
    public const string Info = "info";
    public const string Medium = "medium";
    public const string High = "high";
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
