using System.Collections.Immutable;
using Reconciler.Core.WhatIf;

namespace Reconciler.Core.Backtests;

/// <summary>
/// One operation judged under a candidate policy beside today's truth (docs/domain.md, "Policy backtest"): its outcome and
/// finality on both sides, the what-if <c>Changes</c>, its conflicts per kind, the decisions people took that would not stand,
/// and the signals held by open <c>unmodeled</c> conflicts that the candidate names (a stored version would judge them again).
/// </summary>
public sealed record OperationBacktest(
    string OperationId,
    string OutcomeToday,
    string OutcomeCandidate,
    string FinalityToday,
    string FinalityCandidate,
    ImmutableList<WhatIfChange> Changes,
    ImmutableList<ConflictFigures> Conflicts,
    ImmutableList<SeverityChange> SeverityChanges,
    ImmutableList<DecisionAtRisk> Decisions,
    RejudgeFigures Rejudged)
{
    /// <summary>Something differs: a what-if change, or a decision that would not stand.</summary>
    public bool Changed => !Changes.IsEmpty || !Decisions.IsEmpty;
}

/// <summary>
/// Conflicts of one kind: recorded and open today and under the candidate; <c>Appear</c>: recorded under the candidate and not
/// today; <c>Disappear</c>: recorded today and not under the candidate (both by conflict id); <c>SeverityChanged</c>: conflicts of
/// this kind under the candidate whose counterpart today had another severity (see <see cref="SeverityChange"/>).
/// </summary>
public sealed record ConflictFigures(
    string Kind,
    string Severity,
    long RecordedToday,
    long RecordedCandidate,
    long OpenToday,
    long OpenCandidate,
    long Appear,
    long Disappear,
    long SeverityChanged)
{
    public ConflictFigures Plus(ConflictFigures other) => this with
    {
        RecordedToday = RecordedToday + other.RecordedToday,
        RecordedCandidate = RecordedCandidate + other.RecordedCandidate,
        OpenToday = OpenToday + other.OpenToday,
        OpenCandidate = OpenCandidate + other.OpenCandidate,
        Appear = Appear + other.Appear,
        Disappear = Disappear + other.Disappear,
        SeverityChanged = SeverityChanged + other.SeverityChanged,
    };
}

/// <summary>
/// A conflict whose severity differs under the candidate: the same conflict id with another severity, or a conflict that
/// disappears and one that appears on the same facet between the same sources with another severity (a kind that changed,
/// say a <c>retry</c> that becomes a <c>duplicate-effect</c>). <c>Count</c> is 1 per operation pair until aggregated.
/// </summary>
public sealed record SeverityChange(string FromKind, string FromSeverity, string ToKind, string ToSeverity, long Count);

/// <summary>Signals held by open <c>unmodeled</c> conflicts today that the candidate names, and the conflicts holding them.</summary>
public sealed record RejudgeFigures(long Conflicts, long Signals)
{
    public static RejudgeFigures None { get; } = new(0, 0);

    public RejudgeFigures Plus(RejudgeFigures other) => new(Conflicts + other.Conflicts, Signals + other.Signals);
}
