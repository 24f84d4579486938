using Npgsql;
using Reconciler.Store.Cluster;

namespace Reconciler.Store.Writing;

/// <summary>A signal id as a source used it: the key of its receipt.</summary>
public readonly record struct SignalKey(string Source, string SignalId);

/// <summary>
/// Which operations a unit of work writes, the operation types whose newest policy it needs, and the receipts it
/// asks about. <see cref="Fence"/>: the lease a background job writes under (checked first, in the same transaction).
/// <see cref="Alongside"/>: what the job records of its own progress, run after the save in the same transaction, so that
/// its progress and the events it decided commit together. <see cref="SystemStream"/>: the unit may append to the system
/// stream (<c>$system</c>), which is then locked and loaded like an operation.
/// </summary>
public sealed record WriteScope(
    IReadOnlyCollection<string> OperationIds, IReadOnlyCollection<string> OperationTypes,
    IReadOnlyCollection<SignalKey>? Receipts = null, LeaseFence? Fence = null,
    Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task>? Alongside = null, bool SystemStream = false)
{
    /// <summary>The scope of a source's signals: their operations, their operation types and their receipts.</summary>
    public static WriteScope ForSignals(string source, IEnumerable<(string OperationId, string OperationType, string SignalId)> signals, LeaseFence? fence = null)
    {
        var list = signals.ToList();
        return new WriteScope(
            list.Select(s => s.OperationId).Distinct(StringComparer.Ordinal).ToList(),
            list.Select(s => s.OperationType).Distinct(StringComparer.Ordinal).ToList(),
            list.Select(s => new SignalKey(source, s.SignalId)).Distinct().ToList(),
            fence);
    }

    /// <summary>One scope covering several unfenced ones: what a unit of merged requests locks and loads.</summary>
    public static WriteScope Merge(IReadOnlyList<WriteScope> scopes)
    {
        if (scopes.Count == 1)
        {
            return scopes[0];
        }
        if (scopes.Any(s => s.Fence is not null || s.Alongside is not null || s.SystemStream))
        {
            throw new ArgumentException("Background jobs' writes (a lease's fence, progress alongside) are not merged with others.", nameof(scopes));
        }
        return new WriteScope(
            scopes.SelectMany(s => s.OperationIds).Distinct(StringComparer.Ordinal).ToList(),
            scopes.SelectMany(s => s.OperationTypes).Distinct(StringComparer.Ordinal).ToList(),
            scopes.SelectMany(s => s.Receipts ?? []).Distinct().ToList());
    }
}
