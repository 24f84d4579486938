using Reconciler.Core.Events;

namespace Reconciler.Core.Judging;

/// <summary>
/// Which signal ids each source has used, with the content hash of the first signal under each: what a
/// <see cref="ReceiveSignal"/> needs to know (<see cref="ReceiveSignal.KnownContentHash"/>). The server keeps
/// receipts in PostgreSQL; replays, benchmarks and tests keep them here, recorded from the decided
/// <see cref="SignalReceived"/> events. Mutable on purpose: it is an input-side lookup used front to back by one
/// replay, never operation state kept for time travel (an immutable map cost half the judging throughput).
/// </summary>
public sealed class SignalReceipts
{
    private readonly Dictionary<(string Source, string SignalId), string> hashes = [];

    /// <summary>The content hash first received under (<paramref name="source"/>, <paramref name="signalId"/>), or null.</summary>
    public string? Find(string source, string signalId) => hashes.GetValueOrDefault((source, signalId));

    /// <summary>Records the receipt an event carries (a first reception); any other event changes nothing.</summary>
    public void Record(OperationEvent e)
    {
        if (e is SignalReceived r)
        {
            hashes.TryAdd((r.Source, r.SignalId), r.ContentHash);
        }
    }
}
