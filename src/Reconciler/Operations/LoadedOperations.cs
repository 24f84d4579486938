using Reconciler.Core.Views;

namespace Reconciler.Operations;

/// <summary>What a write transaction found after locking its operations.</summary>
public sealed record LoadedOperations(
    IReadOnlyDictionary<string, LoadedOperation> Operations,
    IReadOnlyDictionary<string, int> LatestPolicyVersions,
    IReadOnlyDictionary<string, string> ReceiptOperations)
{
    /// <summary>The state to decide from: the stored snapshot, or the initial state of a new operation.</summary>
    public LoadedOperation Get(string operationId) =>
        Operations.GetValueOrDefault(operationId) ?? new LoadedOperation(operationId, OperationState.Initial);
}

/// <summary>An operation's snapshot as loaded under its lock; <c>State.Version</c> is the stream's version.</summary>
public sealed record LoadedOperation(string OperationId, OperationState State);

/// <summary>
/// The outcome of deciding for one operation inside a write transaction: the events to append (already
/// evolved into <paramref name="After"/>) and the receipts of the signals that were new.
/// </summary>
public sealed record OperationChange(
    string OperationId,
    string OperationType,
    OperationState Before,
    OperationState After,
    IReadOnlyList<Core.Events.OperationEvent> Events,
    IReadOnlyList<EventMetadata> Metadata,
    IReadOnlyList<NewReceipt> Receipts);

/// <summary>Who caused an event: the signal's source and id, or the operator, plus correlation ids.</summary>
public sealed record EventMetadata(string? Source, string? SignalId, string? CorrelationId, string? CausationId, string? Operator);

/// <summary>A receipt to record; <c>EventIndex</c> points into <see cref="OperationChange.Events"/> for its position.</summary>
public sealed record NewReceipt(string Source, string SignalId, string ContentHash, int EventIndex);
