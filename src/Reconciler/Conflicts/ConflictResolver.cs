using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Deadlines;
using Reconciler.Operations;
using Reconciler.Policies;

namespace Reconciler.Conflicts;

/// <summary>
/// An operator's resolution, through the same write path as ingest: lock and load the operation, pass
/// any deadline that is due, decide <see cref="ResolveConflict"/> under the newest policy version, append
/// and project — in one transaction. Refusals surface as <see cref="CommandRejectedException"/>.
/// </summary>
public sealed class ConflictResolver(
    WriteTransactions transactions, OperationRows rows, PolicyRepository policies, DeadlineAlarm alarm, TimeProvider clock)
{
    public async Task ResolveAsync(
        string operationId, string operationType, string conflictId, string resolution, string reason, string resolvedBy,
        FacetOverride? facetOverride, CancellationToken ct)
    {
        await transactions.RunAsync(async (connection, transaction, token) =>
        {
            var now = clock.GetUtcNow();
            var loaded = await rows.LockAndLoadAsync(connection, transaction, [operationId], [operationType], null, [], token);
            var before = loaded.Get(operationId).State;
            if (before.Version == 0 || !loaded.LatestPolicyVersions.TryGetValue(operationType, out var policyVersion))
            {
                throw new CommandRejectedException("unknown-conflict", $"Operation '{operationId}' of conflict '{conflictId}' is not loaded.");
            }
            var policy = (await policies.GetAsync(operationType, policyVersion, token))!.Policy;
            var events = DueDeadlines.Pass(before, policy, now, policyVersion).ToList();
            var state = events.Aggregate(before, OperationDecider.Evolve);
            var resolved = OperationDecider.Decide(state, policy, new ResolveConflict(conflictId, resolution, reason, resolvedBy, facetOverride, now, policyVersion));
            events.AddRange(resolved);
            state = resolved.Aggregate(state, OperationDecider.Evolve);
            var metadata = events.Select(_ => new EventMetadata(null, null, null, null, resolvedBy)).ToList();
            await rows.SaveAsync(connection, transaction, [new OperationChange(operationId, operationType, before, state, events, metadata, [])], token);
            return true;
        }, ct);
        alarm.Ring();
    }
}
