using System.Collections.Immutable;
using Reconciler.Core.Events;

namespace Reconciler.Core.State;

/// <summary>How conflict events change the conflict records (and the expectations they belong to); the state comes back stamped with the event.</summary>
internal static class ConflictEvolution
{
    public static OperationState Opened(OperationState s, ConflictOpened e, long version)
    {
        var existing = s.Conflicts.GetValueOrDefault(e.ConflictId);
        var wasOpen = existing?.IsOpen ?? false;
        var record = existing is null
            ? new ConflictRecord(e.ConflictId, e.Kind, e.Severity, e.Facet, e.Sources, e.At, ConflictRecord.Open, null, null, null, null,
                1, [version], e.States, e.At, e.Detail, e.ExpectationIndex)
            {
                Differences = e.Differences ?? [],
                Cause = e.Cause,
                Assignee = e.Assignee,
                DueBy = e.DueBy,
            }
            : wasOpen ? Again(existing, e, version)
            : Reopened(existing, e, version);
        s = s with
        {
            Conflicts = s.Conflicts.SetItem(e.ConflictId, record),
            OpenConflictCount = s.OpenConflictCount + (wasOpen ? 0 : 1),
            ConflictsDue = record.AwaitsDue && (s.ConflictsDue is not { } due || record.DueBy < due) ? record.DueBy : s.ConflictsDue,
            Version = version,
            PolicyVersion = e.PolicyVersion,
            UpdatedAt = e.At,
        };
        if (e.ExpectationIndex is { } index)
        {
            var armed = s.Expectations.FindIndex(x => x.Index == index);
            if (armed >= 0)
            {
                s = s with { Expectations = s.Expectations.SetItem(armed, s.Expectations[armed] with { ConflictId = e.ConflictId }) };
            }
        }

        return NextDeadlines.Refresh(OutcomeAgreement.Update(s, e.At));
    }

    // An opening of a record that is open already (the decider never decides one): the record takes what the event says, but
    // keeps its opening time and what people did with this occurrence.
    private static ConflictRecord Again(ConflictRecord existing, ConflictOpened e, long version) =>
        existing with
        {
            Occurrences = existing.Occurrences + 1,
            EvidenceVersions = existing.EvidenceVersions.Add(version),
            States = e.States,
            Detail = e.Detail,
            Differences = e.Differences ?? [],
            Pending = null,
            ApprovedBy = null,
            Cause = e.Cause,
        };

    // A new occurrence: a new clock and a new assignee from the policy, and nobody has acknowledged, snoozed or reassigned it yet.
    private static ConflictRecord Reopened(ConflictRecord existing, ConflictOpened e, long version) =>
        Again(existing, e, version) with
        {
            Status = ConflictRecord.Open,
            OpenedAt = e.At,
            ResolvedAt = null,
            Resolution = null,
            ResolvedBy = null,
            Reason = null,
            Assignee = e.Assignee,
            AssignedBy = null,
            AssignReason = null,
            DueBy = e.DueBy,
            AcknowledgedBy = null,
            AcknowledgedAt = null,
            SnoozedUntil = null,
            SnoozedBy = null,
            SnoozeReason = null,
            OverdueAt = null,
            EscalatedAt = null,
        };

    public static OperationState Resolved(OperationState s, ConflictResolved e, long version)
    {
        if (!s.Conflicts.TryGetValue(e.ConflictId, out var existing))
        {
            return s with { Version = version, PolicyVersion = e.PolicyVersion, UpdatedAt = e.At };
        }

        var record = existing with
        {
            Status = ConflictRecord.Resolved,
            ResolvedAt = e.At,
            Resolution = e.Resolution,
            ResolvedBy = e.ResolvedBy,
            Reason = e.Reason,
            EvidenceVersions = existing.EvidenceVersions.Add(version),
            Pending = null,
            ApprovedBy = e.ApprovedBy,
        };
        var conflicts = s.Conflicts.SetItem(e.ConflictId, record);
        s = s with
        {
            Conflicts = conflicts,
            OpenConflictCount = s.OpenConflictCount - (existing.IsOpen ? 1 : 0),
            ConflictsDue = existing.AwaitsDue ? EarliestDue(conflicts) : s.ConflictsDue,
            // A closed conflict holds no signals: a later unmodeled signal reopens it with its own.
            Unmodeled = s.Unmodeled.IsEmpty ? s.Unmodeled : s.Unmodeled.Remove(e.ConflictId),
            Version = version,
            PolicyVersion = e.PolicyVersion,
            UpdatedAt = e.At,
        };

        // An expectation whose conflict an operator closed is settled: it does not fire again.
        s = OutcomeAgreement.Update(s, e.At);
        return NextDeadlines.Refresh(existing.ExpectationIndex is { } index
            ? s with { Expectations = WithoutExpectation(s.Expectations, index, e.ConflictId) }
            : s);
    }

    /// <summary>A proposal, rejection or lapse: the record's pending resolution changes and the event joins its evidence.</summary>
    public static OperationState Approval(OperationState s, string conflictId, PendingResolution? pending, long version)
    {
        if (!s.Conflicts.TryGetValue(conflictId, out var existing))
        {
            return s;
        }

        var record = existing with { Pending = pending, EvidenceVersions = existing.EvidenceVersions.Add(version) };
        return s with { Conflicts = s.Conflicts.SetItem(conflictId, record) };
    }

    /// <summary>A step people (or the conflict's clock) took with an open conflict: acknowledged, snoozed, assigned, overdue or
    /// escalated. The record takes it and the event joins its evidence.</summary>
    public static OperationState Lifecycle(OperationState s, OperationEvent e, long version)
    {
        var id = e switch
        {
            ConflictAcknowledged a => a.ConflictId,
            ConflictSnoozed z => z.ConflictId,
            ConflictAssigned g => g.ConflictId,
            ConflictOverdue o => o.ConflictId,
            ConflictEscalated x => x.ConflictId,
            _ => throw new ArgumentException($"{e.GetType().Name} is no step of a conflict's lifecycle.", nameof(e)),
        };
        if (!s.Conflicts.TryGetValue(id, out var r))
        {
            return s;
        }

        var record = e switch
        {
            ConflictAcknowledged a => r with { AcknowledgedBy = a.AcknowledgedBy, AcknowledgedAt = a.At },
            ConflictSnoozed z => r with { SnoozedUntil = z.Until, SnoozedBy = z.SnoozedBy, SnoozeReason = z.Reason },
            // Another team has it now: nobody there has taken it on yet.
            ConflictAssigned g => r with { Assignee = g.Assignee, AssignedBy = g.AssignedBy, AssignReason = g.Reason, AcknowledgedBy = null, AcknowledgedAt = null },
            ConflictOverdue o => r with { OverdueAt = o.At },
            ConflictEscalated x => r with { Assignee = x.Assignee, AssignedBy = null, AssignReason = null, EscalatedAt = x.At, AcknowledgedBy = null, AcknowledgedAt = null },
            _ => r,
        };
        var conflicts = s.Conflicts.SetItem(id, record with { EvidenceVersions = record.EvidenceVersions.Add(version) });
        return s with { Conflicts = conflicts, ConflictsDue = e is ConflictOverdue ? EarliestDue(conflicts) : s.ConflictsDue };
    }

    /// <summary>The earliest due time of an open conflict that is not overdue yet.</summary>
    internal static DateTimeOffset? EarliestDue(ImmutableDictionary<string, ConflictRecord> conflicts)
    {
        DateTimeOffset? earliest = null;
        foreach (var (_, c) in conflicts)
        {
            if (c.AwaitsDue && (earliest is null || c.DueBy < earliest))
            {
                earliest = c.DueBy;
            }
        }

        return earliest;
    }

    /// <summary>A signal the conflict held was judged again (at stream version <paramref name="version"/>): it is held no longer,
    /// and the event joins the conflict's evidence.</summary>
    public static OperationState Rejudged(OperationState s, string conflictId, long receivedVersion, long version)
    {
        var unmodeled = s.Unmodeled;
        if (unmodeled.TryGetValue(conflictId, out var held))
        {
            held = held.Remove(receivedVersion);
            unmodeled = held.IsEmpty ? unmodeled.Remove(conflictId) : unmodeled.SetItem(conflictId, held);
        }

        var conflicts = s.Conflicts.TryGetValue(conflictId, out var record)
            ? s.Conflicts.SetItem(conflictId, record with { EvidenceVersions = record.EvidenceVersions.Add(version) })
            : s.Conflicts;
        return s with { Unmodeled = unmodeled, Conflicts = conflicts };
    }

    // A loop, not RemoveAll with a lambda: capturing the parameter e would allocate a closure on every resolution.
    private static ImmutableList<ArmedExpectation> WithoutExpectation(ImmutableList<ArmedExpectation> expectations, int index, string conflictId)
    {
        for (var i = expectations.Count - 1; i >= 0; i--)
        {
            if (expectations[i].Index == index && expectations[i].ConflictId == conflictId)
            {
                expectations = expectations.RemoveAt(i);
            }
        }

        return expectations;
    }
}
