using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Store.Sources;
using Reconciler.Store.Writing;

namespace Reconciler.Conflicts;

/// <summary>
/// An operator's resolution, approval or rejection, or a step of a conflict's lifecycle (acknowledge, snooze, assign), on the one write path: the operation locked and loaded, any deadline
/// due by now passed, the command decided under the newest policy version, appended and projected in one commit.
/// Refusals surface as <see cref="CommandRejectedException"/>; the events decided come back (a proposal is not a resolution).
/// </summary>
public sealed class ConflictResolver(GroupCommit commits, SourceMonitor sources)
{
    public Task<IReadOnlyList<OperationEvent>> ResolveAsync(
        string operationId, string operationType, string conflictId, string resolution, string reason, string resolvedBy,
        FacetOverride? facetOverride, CancellationToken ct) =>
        DecideAsync(operationId, operationType, conflictId, resolvedBy,
            (now, policyVersion) => new ResolveConflict(conflictId, resolution, reason, resolvedBy, facetOverride, now, policyVersion), ct);

    public Task<IReadOnlyList<OperationEvent>> ApproveAsync(
        string operationId, string operationType, string conflictId, string reason, string approvedBy, CancellationToken ct) =>
        DecideAsync(operationId, operationType, conflictId, approvedBy,
            (now, policyVersion) => new ApproveResolution(conflictId, reason, approvedBy, now, policyVersion), ct);

    public Task<IReadOnlyList<OperationEvent>> RejectAsync(
        string operationId, string operationType, string conflictId, string reason, string rejectedBy, CancellationToken ct) =>
        DecideAsync(operationId, operationType, conflictId, rejectedBy,
            (now, policyVersion) => new RejectResolution(conflictId, reason, rejectedBy, now, policyVersion), ct);

    public Task<IReadOnlyList<OperationEvent>> AcknowledgeAsync(
        string operationId, string operationType, string conflictId, string acknowledgedBy, CancellationToken ct) =>
        DecideAsync(operationId, operationType, conflictId, acknowledgedBy,
            (now, policyVersion) => new AcknowledgeConflict(conflictId, acknowledgedBy, now, policyVersion), ct);

    public Task<IReadOnlyList<OperationEvent>> SnoozeAsync(
        string operationId, string operationType, string conflictId, DateTimeOffset until, string reason, string snoozedBy, CancellationToken ct) =>
        DecideAsync(operationId, operationType, conflictId, snoozedBy,
            (now, policyVersion) => new SnoozeConflict(conflictId, until, reason, snoozedBy, now, policyVersion), ct);

    public Task<IReadOnlyList<OperationEvent>> AssignAsync(
        string operationId, string operationType, string conflictId, string assignee, string reason, string assignedBy, CancellationToken ct) =>
        DecideAsync(operationId, operationType, conflictId, assignedBy,
            (now, policyVersion) => new AssignConflict(conflictId, assignee, reason, assignedBy, now, policyVersion), ct);

    private async Task<IReadOnlyList<OperationEvent>> DecideAsync(
        string operationId, string operationType, string conflictId, string by, Func<DateTimeOffset, int, Command> command, CancellationToken ct)
    {
        var watch = await sources.WatchAsync(ct);
        return await commits.WriteAsync(new WriteScope([operationId], [operationType]), 1, batch =>
        {
            if (batch.StateOf(operationId).Version == 0 || batch.LatestPolicyVersion(operationType) is not { } policyVersion)
            {
                throw new CommandRejectedException("unknown-conflict", $"Operation '{operationId}' of conflict '{conflictId}' is not loaded.");
            }
            return batch.Decide(operationId, operationType, policyVersion, command(batch.Now, policyVersion) with { Sources = watch },
                new EventMetadata(null, null, null, null, by)).Events;
        }, ct);
    }
}
