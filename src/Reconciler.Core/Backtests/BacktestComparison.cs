using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;
using Reconciler.Core.WhatIf;

namespace Reconciler.Core.Backtests;

/// <summary>
/// Compares one operation's truth today with its truth under a candidate policy: the what-if replay of its stored history
/// (<see cref="WhatIfReplay"/>, judged as version 0 up to <c>asOf</c>) against the fold of that history. Pure: the same history,
/// candidate and time give the same result, whichever thread or order the operations are compared in.
/// </summary>
public static class BacktestComparison
{
    public static OperationBacktest Compare(string operationId, IReadOnlyList<OperationEvent> history, TruthPolicy candidate, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(candidate);
        var replay = WhatIfReplay.Run(history, candidate, WhatIfReplay.CandidateVersion, asOf);
        var (today, after) = (replay.Today, replay.State);
        var (conflicts, severities) = Conflicts(today, after);
        return new OperationBacktest(
            operationId,
            today.Outcome,
            after.Outcome,
            today.OutcomeFinality,
            after.OutcomeFinality,
            replay.Changes,
            conflicts,
            severities,
            DecisionReview.AtRisk(operationId, history, today, replay, candidate),
            Rejudged(history, today, candidate));
    }

    private static (ImmutableList<ConflictFigures>, ImmutableList<SeverityChange>) Conflicts(OperationState today, OperationState after)
    {
        var figures = new SortedDictionary<string, ConflictFigures>(StringComparer.Ordinal);
        void Count(string kind, ConflictFigures add) =>
            figures[kind] = figures.TryGetValue(kind, out var had) ? had.Plus(add) : add;
        ConflictFigures Zero(string kind) => new(kind, ConflictKinds.SeverityOf(kind), 0, 0, 0, 0, 0, 0, 0);

        var gone = new List<ConflictRecord>();
        var come = new List<ConflictRecord>();
        var severities = ImmutableList.CreateBuilder<SeverityChange>();
        foreach (var c in today.Conflicts.Values)
        {
            Count(c.Kind, Zero(c.Kind) with { RecordedToday = 1, OpenToday = c.IsOpen ? 1 : 0 });
            if (!after.Conflicts.ContainsKey(c.ConflictId))
            {
                Count(c.Kind, Zero(c.Kind) with { Disappear = 1 });
                gone.Add(c);
            }
        }

        foreach (var c in after.Conflicts.Values)
        {
            Count(c.Kind, Zero(c.Kind) with { RecordedCandidate = 1, OpenCandidate = c.IsOpen ? 1 : 0 });
            if (!today.Conflicts.TryGetValue(c.ConflictId, out var was))
            {
                Count(c.Kind, Zero(c.Kind) with { Appear = 1 });
                come.Add(c);
            }
            else if (was.Severity != c.Severity)
            {
                Count(c.Kind, Zero(c.Kind) with { SeverityChanged = 1 });
                severities.Add(new SeverityChange(was.Kind, was.Severity, c.Kind, c.Severity, 1));
            }
        }

        // A conflict whose kind changed has another id: pair what disappears with what appears on the same facet between the
        // same sources, each at most once, in id order so that the pairing does not depend on dictionary order.
        gone.Sort((a, b) => string.CompareOrdinal(a.ConflictId, b.ConflictId));
        come.Sort((a, b) => string.CompareOrdinal(a.ConflictId, b.ConflictId));
        foreach (var appeared in come)
        {
            var index = gone.FindIndex(g => g.Facet == appeared.Facet && g.Sources.SequenceEqual(appeared.Sources) && g.Severity != appeared.Severity);
            if (index < 0)
            {
                continue;
            }

            var was = gone[index];
            gone.RemoveAt(index);
            Count(appeared.Kind, Zero(appeared.Kind) with { SeverityChanged = 1 });
            severities.Add(new SeverityChange(was.Kind, was.Severity, appeared.Kind, appeared.Severity, 1));
        }

        return ([.. figures.Values], severities.ToImmutable());
    }

    /// <summary>
    /// The signals the open <c>unmodeled</c> conflicts of today hold that the candidate names: a stored version judges exactly
    /// these again (<c>RejudgeJudge</c>'s rule). Their effect is already in the replay, which judges every stored signal in place.
    /// </summary>
    private static RejudgeFigures Rejudged(IReadOnlyList<OperationEvent> history, OperationState today, TruthPolicy candidate)
    {
        long conflicts = 0, signals = 0;
        foreach (var (conflictId, versions) in today.Unmodeled)
        {
            if (today.Conflicts.GetValueOrDefault(conflictId) is not { IsOpen: true, Kind: ConflictKinds.Unmodeled, Facet: { } facet, Sources: [var source] })
            {
                continue;
            }

            var named = 0;
            foreach (var version in versions)
            {
                if (version >= 1 && version <= history.Count
                    && history[(int)version - 1] is SignalReceived { Judgement: ConflictKinds.Unmodeled } r
                    && r.Source == source && r.Facet == facet && candidate.FindFacet(r.Facet)?.States.Contains(r.State) == true)
                {
                    named++;
                }
            }

            if (named > 0)
            {
                conflicts++;
                signals += named;
            }
        }

        return new RejudgeFigures(conflicts, signals);
    }
}
