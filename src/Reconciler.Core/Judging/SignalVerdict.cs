using System.Collections.Immutable;
using Reconciler.Core.Events;

namespace Reconciler.Core.Judging;

/// <summary>
/// What the server reports for one signal, read from the events its decision produced:
/// <c>Status</c> accepted (applied) or recorded (appended, not applied), the judging row that matched,
/// and every conflict the decision opened (absorbed ones included).
/// </summary>
public sealed record SignalVerdict(string Status, bool Applied, string Judgement, ImmutableList<OpenedConflict> ConflictsOpened)
{
    public const string Accepted = "accepted";
    public const string Recorded = "recorded";

    public static SignalVerdict Of(IReadOnlyList<OperationEvent> decided)
    {
        ArgumentNullException.ThrowIfNull(decided);
        var opened = decided.OfType<ConflictOpened>().Select(c => new OpenedConflict(c.ConflictId, c.Kind, c.Severity, c.Facet, c.Detail)).ToImmutableList();
        return decided.Count == 0 ? throw new ArgumentException("A signal's decision has at least one event.", nameof(decided))
            : decided[0] switch
            {
                SignalReceived r => new SignalVerdict(r.Applied ? Accepted : Recorded, r.Applied, r.Judgement, opened),
                SignalDuplicated r => new SignalVerdict(Recorded, false, r.SameContent ? ConflictKinds.Duplicate : ConflictKinds.IdempotencyViolation, opened),
                _ => throw new ArgumentException("A signal's decision starts with SignalReceived or SignalDuplicated.", nameof(decided)),
            };
    }
}

/// <summary>A conflict one signal's decision opened; <c>Detail</c> is the record's sentence (for an unmodeled facet or
/// state it names the near name the source probably meant).</summary>
public sealed record OpenedConflict(string ConflictId, string Kind, string Severity, string? Facet, string Detail);
