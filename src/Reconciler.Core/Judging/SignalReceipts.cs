using System.Collections.Immutable;
using Reconciler.Core.Events;

namespace Reconciler.Core.Judging;

/// <summary>
/// Which signal ids each source has used, with the content hash of the first signal under each: what a
/// <see cref="ReceiveSignal"/> needs to know (<see cref="ReceiveSignal.KnownContentHash"/>). The server keeps
/// receipts in PostgreSQL; replays and tests keep them here, folded from the history's <see cref="SignalReceived"/> events.
/// </summary>
public sealed class SignalReceipts
{
    public static SignalReceipts Empty { get; } = new(ImmutableDictionary<(string, string), SignalReceived>.Empty);

    private readonly ImmutableDictionary<(string Source, string SignalId), SignalReceived> firsts;

    private SignalReceipts(ImmutableDictionary<(string, string), SignalReceived> firsts) => this.firsts = firsts;

    /// <summary>The content hash first received under (<paramref name="source"/>, <paramref name="signalId"/>), or null.</summary>
    public string? Find(string source, string signalId) => firsts.GetValueOrDefault((source, signalId))?.ContentHash;

    /// <summary>The signal first received under (<paramref name="source"/>, <paramref name="signalId"/>), or null.</summary>
    public Signal? FindSignal(string source, string signalId) =>
        firsts.GetValueOrDefault((source, signalId)) is { } r ? SignalOf(r) : null;

    /// <summary>The signal a <see cref="SignalReceived"/> records, as the source sent it.</summary>
    public static Signal SignalOf(SignalReceived r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new Signal(r.OperationId, r.OperationType, r.SignalId, r.Facet, r.State, r.ObservedAt, r.SourceSequence, r.EffectKey,
            r.AttributesJson, r.CorrelationId, r.CausationId);
    }

    /// <summary>These receipts plus the one an event records (a first reception); the same receipts for any other event.</summary>
    public SignalReceipts With(OperationEvent e) =>
        e is SignalReceived r && !firsts.ContainsKey((r.Source, r.SignalId))
            ? new SignalReceipts(firsts.Add((r.Source, r.SignalId), r))
            : this;

    public static SignalReceipts From(IEnumerable<OperationEvent> history) => history.Aggregate(Empty, (receipts, e) => receipts.With(e));
}
