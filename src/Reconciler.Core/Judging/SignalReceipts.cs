using Reconciler.Core.Events;

namespace Reconciler.Core.Judging;

/// <summary>
/// Which signal ids each source has used, with the first signal under each: what a <see cref="ReceiveSignal"/> needs
/// to know (<see cref="ReceiveSignal.KnownContentHash"/>, and <see cref="ReceiveSignal.KnownSignal"/> so that a reused
/// id can say which fields changed). The server keeps receipts in PostgreSQL; replays, benchmarks and tests keep them
/// here, recorded from the decided <see cref="SignalReceived"/> events. Mutable on purpose: it is an input-side lookup
/// used front to back by one replay, never operation state kept for time travel (an immutable map cost half the
/// judging throughput).
/// </summary>
public sealed class SignalReceipts
{
    private readonly Dictionary<(string Source, string SignalId), SignalReceived> _firsts = [];

    /// <summary>The content hash first received under (<paramref name="source"/>, <paramref name="signalId"/>), or null.</summary>
    public string? Find(string source, string signalId) => _firsts.GetValueOrDefault((source, signalId))?.ContentHash;

    /// <summary>The signal first received under (<paramref name="source"/>, <paramref name="signalId"/>), or null.</summary>
    public Signal? FindSignal(string source, string signalId) =>
        _firsts.GetValueOrDefault((source, signalId)) is { } r ? SignalOf(r) : null;

    /// <summary>The signal a <see cref="SignalReceived"/> records, as the source sent it.</summary>
    public static Signal SignalOf(SignalReceived r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new Signal(r.OperationId, r.OperationType, r.SignalId, r.Facet, r.State, r.ObservedAt, r.SourceSequence, r.EffectKey,
            r.AttributesJson, r.CorrelationId, r.CausationId);
    }

    /// <summary>Records the receipt an event carries (a first reception); any other event changes nothing.</summary>
    public void Record(OperationEvent e)
    {
        if (e is SignalReceived r)
        {
            _firsts.TryAdd((r.Source, r.SignalId), r);
        }
    }
}
