using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>
/// One decision in the making: the events decided so far and the state they fold to, so that each
/// later step of the same decision judges against what the earlier steps already changed. <c>policy</c> is the policy it is
/// decided under: a conflict it opens is assigned and given its clock by the policy's accountability.
/// </summary>
internal sealed class Decision(OperationState state, TruthPolicy policy, int policyVersion, DateTimeOffset at, string? causeSource,
    string? causeSignalId, string? causeOperator = null)
{
    /// <summary>The state the decision started from.</summary>
    public OperationState Initial { get; } = state;

    public OperationState State { get; private set; } = state;
    public List<OperationEvent> Events { get; } = new(4);
    public int PolicyVersion { get; } = policyVersion;
    public DateTimeOffset At { get; } = at;
    public string? CauseSource { get; private set; } = causeSource;
    public string? CauseSignalId { get; private set; } = causeSignalId;

    /// <summary>What led to this decision, as a retraction names it: <c>source/signalId</c>, <c>operator:identity</c> or <c>deadline</c>.</summary>
    public string CausedBy =>
        CauseSource is not null ? $"{CauseSource}/{CauseSignalId}"
        : causeOperator is not null ? "operator:" + causeOperator
        : "deadline";

    /// <summary>What the events added from now on name as their cause: a decision that judges several stored signals names each in turn.</summary>
    public void CausedBySignal(string source, string signalId)
    {
        CauseSource = source;
        CauseSignalId = signalId;
    }

    public void Add(OperationEvent e)
    {
        Events.Add(e);
        State = OperationEvolver.Evolve(State, e);
    }

    /// <summary>Puts <paramref name="e"/> in place of the event at <paramref name="index"/> and folds the decision again.</summary>
    public void Replace(int index, OperationEvent e)
    {
        Events[index] = e;
        var state = Initial;
        foreach (var decided in Events)
        {
            state = OperationEvolver.Evolve(state, decided);
        }

        State = state;
    }

    public string IdFor(string kind, string? facet, ImmutableList<string> sources, string? discriminator = null) =>
        ConflictIds.For(State.OperationId, kind, facet, sources, discriminator);

    /// <summary>Opens (or reopens) the conflict unless that record is open already; returns its id.</summary>
    public string Open(string kind, string? facet, ImmutableList<string> sources, ImmutableList<string> states, string detail,
        ImmutableList<Difference> differences, int? expectationIndex = null, string? discriminator = null, string? cause = null)
    {
        var id = IdFor(kind, facet, sources, discriminator);
        var existing = State.Conflicts.GetValueOrDefault(id);
        if (existing is { IsOpen: true })
        {
            return id;
        }

        var severity = ConflictKinds.SeverityOf(kind);
        Add(new ConflictOpened(id, kind, severity, facet, sources, states, (existing?.Occurrences ?? 0) + 1,
            detail, expectationIndex, CauseSource, CauseSignalId)
        {
            At = At,
            PolicyVersion = PolicyVersion,
            Differences = differences,
            Cause = cause,
            Assignee = policy.Accountability.AssigneeFor(kind, facet),
            DueBy = policy.Accountability.DueBy(severity, At),
        });
        return id;
    }

    /// <summary>Info-level conflicts are recorded and closed at once: an auditable fact, nothing to do.</summary>
    public void Absorb(string kind, string? facet, ImmutableList<string> sources, ImmutableList<string> states, string detail,
        ImmutableList<Difference> differences)
    {
        var id = Open(kind, facet, sources, states, detail, differences);
        Resolve(id, Resolutions.Absorbed, null, null);
    }

    /// <summary>Closes the conflict; a resolution still pending on it lapses unless an operator is the one closing it (by approving it).</summary>
    public void Resolve(string conflictId, string resolution, string? resolvedBy, string? reason, string? approvedBy = null)
    {
        var record = State.Conflicts[conflictId];
        Add(new ConflictResolved(conflictId, record.Kind, resolution, resolvedBy, reason, (At - record.OpenedAt).TotalSeconds,
            CauseSource, CauseSignalId) { At = At, PolicyVersion = PolicyVersion, ApprovedBy = approvedBy });
        if (record.Pending is { } pending && !Resolutions.IsOperatorResolution(resolution))
        {
            Add(new ResolutionLapsed(conflictId, pending.Resolution, pending.ProposedBy, $"The conflict closed as {resolution} first.")
            { At = At, PolicyVersion = PolicyVersion });
        }
    }

    public void ResolveIfOpen(string conflictId, string resolution)
    {
        if (State.IsConflictOpen(conflictId))
        {
            Resolve(conflictId, resolution, null, null);
        }
    }
}
