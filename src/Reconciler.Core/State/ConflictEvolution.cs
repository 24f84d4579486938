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
                1, [version], e.States, e.At, e.Detail, e.ExpectationIndex) { Differences = e.Differences ?? [], Cause = e.Cause }
            : existing with
            {
                Status = ConflictRecord.Open,
                OpenedAt = wasOpen ? existing.OpenedAt : e.At,
                ResolvedAt = null,
                Resolution = null,
                ResolvedBy = null,
                Reason = null,
                Occurrences = existing.Occurrences + 1,
                EvidenceVersions = existing.EvidenceVersions.Add(version),
                States = e.States,
                Detail = e.Detail,
                Differences = e.Differences ?? [],
                Pending = null,
                ApprovedBy = null,
                Cause = e.Cause,
            };
        s = s with
        {
            Conflicts = s.Conflicts.SetItem(e.ConflictId, record),
            OpenConflictCount = s.OpenConflictCount + (wasOpen ? 0 : 1),
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

        return OperationEvolver.Deadlines(OutcomeAgreement.Update(s, e.At));
    }

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
        s = s with
        {
            Conflicts = s.Conflicts.SetItem(e.ConflictId, record),
            OpenConflictCount = s.OpenConflictCount - (existing.IsOpen ? 1 : 0),
            // A closed conflict holds no signals: a later unmodeled signal reopens it with its own.
            Unmodeled = s.Unmodeled.IsEmpty ? s.Unmodeled : s.Unmodeled.Remove(e.ConflictId),
            Version = version,
            PolicyVersion = e.PolicyVersion,
            UpdatedAt = e.At,
        };

        // An expectation whose conflict an operator closed is settled: it does not fire again.
        s = OutcomeAgreement.Update(s, e.At);
        return OperationEvolver.Deadlines(existing.ExpectationIndex is { } index
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
