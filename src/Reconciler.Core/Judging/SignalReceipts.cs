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
    public static SignalReceipts Empty { get; } = new(ImmutableDictionary<(string, string), string>.Empty);

    private readonly ImmutableDictionary<(string Source, string SignalId), string> hashes;

    private SignalReceipts(ImmutableDictionary<(string, string), string> hashes) => this.hashes = hashes;

    /// <summary>The content hash first received under (<paramref name="source"/>, <paramref name="signalId"/>), or null.</summary>
    public string? Find(string source, string signalId) => hashes.GetValueOrDefault((source, signalId));

    /// <summary>These receipts plus the one an event records (a first reception); the same receipts for any other event.</summary>
    public SignalReceipts With(OperationEvent e) =>
        e is SignalReceived r && !hashes.ContainsKey((r.Source, r.SignalId))
            ? new SignalReceipts(hashes.Add((r.Source, r.SignalId), r.ContentHash))
            : this;

    public static SignalReceipts From(IEnumerable<OperationEvent> history) => history.Aggregate(Empty, (receipts, e) => receipts.With(e));
}
