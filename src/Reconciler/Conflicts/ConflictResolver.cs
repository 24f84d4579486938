using Reconciler.Core.Judging;
using Reconciler.Store.Writing;

namespace Reconciler.Conflicts;

/// <summary>
/// An operator's resolution, on the one write path: the operation locked and loaded, any deadline due by now
/// passed, <see cref="ResolveConflict"/> decided under the newest policy version, appended and projected in
/// one commit. Refusals surface as <see cref="CommandRejectedException"/>.
/// </summary>
public sealed class ConflictResolver(OperationWriter writer)
{
    public async Task ResolveAsync(
        string operationId, string operationType, string conflictId, string resolution, string reason, string resolvedBy,
        FacetOverride? facetOverride, CancellationToken ct)
    {
        await writer.WriteAsync(new WriteScope([operationId], [operationType]), batch =>
        {
            var state = batch.StateOf(operationId);
            if (state.Version == 0 || batch.LatestPolicyVersion(operationType) is not { } policyVersion)
            {
                throw new CommandRejectedException("unknown-conflict", $"Operation '{operationId}' of conflict '{conflictId}' is not loaded.");
            }
            var command = new ResolveConflict(conflictId, resolution, reason, resolvedBy, facetOverride, batch.Now, policyVersion);
            var (events, after) = OperationDecider.Handle(state, batch.Policy(operationType, policyVersion), command);
            return batch.Append(operationId, operationType, events, after, new EventMetadata(null, null, null, null, resolvedBy));
        }, ct);
    }
}
