using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reconciler.Core.Views;

/// <summary>
/// An insert-only, persistent record of everything an operation has seen: receipts by (source, signalId)
/// and reports by source, facet, state and effect key . Adding is O(1) (a node on a shared chain), so
/// folding history stays cheap; the lookup index is built lazily, on the first question, and then
/// extended incrementally along the chain — rebuilt only when a question comes from another branch
/// (time travel, a what-if). Immutable to its users: an older book never sees newer entries.
/// </summary>
[JsonConverter(typeof(SignalBookJsonConverter))]
public sealed class SignalBook
{
    public static SignalBook Empty { get; } = new(null, null, new Index());

    // Each book is the newest link of its chain (one object per signal seen); the empty book ends every chain.
    private readonly SeenSignal? signal;
    private readonly SignalBook? previous;
    private readonly Index index;

    private SignalBook(SeenSignal? signal, SignalBook? previous, Index index)
    {
        this.signal = signal;
        this.previous = previous;
        this.index = index;
        Count = previous is null ? 0 : previous.Count + 1;
    }

    /// <summary>Signals recorded.</summary>
    public int Count { get; }

    public SignalBook With(SeenSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);

        // The empty book never lends its index, so that no operation's entries stay reachable from it.
        return new SignalBook(signal, this, Count == 0 ? new Index() : index);
    }

    /// <summary>The content hash of the first signal <paramref name="source"/> sent under <paramref name="signalId"/>.</summary>
    public bool TryGetReceipt(string source, string signalId, out string contentHash)
    {
        contentHash = "";
        if (Count == 0)
        {
            return false;
        }

        lock (index)
        {
            index.Cover(this);
            return index.Receipts.TryGetValue(new(source, signalId), out contentHash!);
        }
    }

    /// <summary>
    /// True when <paramref name="source"/> already reported this facet, state and effect key (absent equals absent)
    /// as the same report: under the same source sequence, or with the sequence absent on either side.
    /// </summary>
    public bool HasReported(string source, string facet, string state, string? effectKey, long? sequence)
    {
        if (Count == 0)
        {
            return false;
        }

        lock (index)
        {
            index.Cover(this);
            return index.Reports.TryGetValue(new(source, facet, state, effectKey), out var seen)
                && (sequence is null || seen.Unsequenced || seen.Sequences.Contains(sequence.Value));
        }
    }

    /// <summary>The signals recorded, oldest first.</summary>
    public IReadOnlyList<SeenSignal> Signals()
    {
        var signals = new SeenSignal[Count];
        for (var book = this; book.signal is not null; book = book.previous!)
        {
            signals[book.Count - 1] = book.signal;
        }

        return signals;
    }

    private readonly record struct ReceiptKey(string Source, string SignalId);

    private readonly record struct ReportKey(string Source, string Facet, string State, string? EffectKey);

    private sealed class ReportSeen
    {
        public bool Unsequenced { get; set; }
        public HashSet<long> Sequences { get; } = [];
    }

    /// <summary>The lookup tables for one chain; private and rebuilt per branch, so it may change in place.</summary>
    private sealed class Index
    {
        private readonly Stack<SignalBook> missing = new();
        private SignalBook? covered;

        public Dictionary<ReceiptKey, string> Receipts { get; private set; } = [];
        public Dictionary<ReportKey, ReportSeen> Reports { get; private set; } = [];

        /// <summary>Makes the index answer for the chain ending at <paramref name="head"/>.</summary>
        public void Cover(SignalBook head)
        {
            if (ReferenceEquals(head, covered))
            {
                return;
            }

            var book = head;
            while (book.signal is not null && book.Count > (covered?.Count ?? 0))
            {
                missing.Push(book);
                book = book.previous!;
            }

            if (book.signal is not null && !ReferenceEquals(book, covered))
            {
                // Another branch: start over from the oldest entry of this chain.
                Receipts = [];
                Reports = [];
                for (; book.signal is not null; book = book.previous!)
                {
                    missing.Push(book);
                }
            }

            while (missing.TryPop(out var next))
            {
                Add(next.signal!);
            }

            covered = head;
        }

        private void Add(SeenSignal s)
        {
            Receipts.TryAdd(new(s.Source, s.SignalId), s.ContentHash);
            var key = new ReportKey(s.Source, s.Facet, s.State, s.EffectKey);
            if (!Reports.TryGetValue(key, out var seen))
            {
                seen = new ReportSeen();
                Reports.Add(key, seen);
            }

            if (s.SourceSequence is { } sequence)
            {
                seen.Sequences.Add(sequence);
            }
            else
            {
                seen.Unsequenced = true;
            }
        }
    }
}

/// <summary>A signal the book has seen: who said what under which id, and its content hash.</summary>
public sealed record SeenSignal(string Source, string SignalId, string Facet, string State, string? EffectKey, long? SourceSequence, string ContentHash);

/// <summary>A book is stored as the JSON array of the signals it has seen, oldest first.</summary>
internal sealed class SignalBookJsonConverter : JsonConverter<SignalBook>
{
    public override SignalBook Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var book = SignalBook.Empty;
        foreach (var signal in JsonSerializer.Deserialize<List<SeenSignal>>(ref reader, options) ?? [])
        {
            book = book.With(signal);
        }

        return book;
    }

    public override void Write(Utf8JsonWriter writer, SignalBook value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.Signals(), options);
}
