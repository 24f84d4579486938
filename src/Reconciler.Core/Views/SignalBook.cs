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
    public static SignalBook Empty { get; } = new(null, new Index());

    private readonly Node? head;
    private readonly Index index;

    private SignalBook(Node? head, Index index)
    {
        this.head = head;
        this.index = index;
    }

    /// <summary>Signals recorded.</summary>
    public int Count => head?.Count ?? 0;

    public SignalBook With(SeenSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);

        // The empty book never lends its index, so that no operation's entries stay reachable from it.
        return new SignalBook(new Node(signal, head), head is null ? new Index() : index);
    }

    /// <summary>The content hash of the first signal <paramref name="source"/> sent under <paramref name="signalId"/>.</summary>
    public bool TryGetReceipt(string source, string signalId, out string contentHash)
    {
        contentHash = "";
        if (head is null)
        {
            return false;
        }

        lock (index)
        {
            index.Cover(head);
            return index.Receipts.TryGetValue(new(source, signalId), out contentHash!);
        }
    }

    /// <summary>
    /// True when <paramref name="source"/> already reported this facet, state and effect key (absent equals absent)
    /// as the same report: under the same source sequence, or with the sequence absent on either side.
    /// </summary>
    public bool HasReported(string source, string facet, string state, string? effectKey, long? sequence)
    {
        if (head is null)
        {
            return false;
        }

        lock (index)
        {
            index.Cover(head);
            return index.Reports.TryGetValue(new(source, facet, state, effectKey), out var seen)
                && (sequence is null || seen.Unsequenced || seen.Sequences.Contains(sequence.Value));
        }
    }

    /// <summary>The signals recorded, oldest first.</summary>
    public IReadOnlyList<SeenSignal> Signals()
    {
        var signals = new SeenSignal[Count];
        for (var node = head; node is not null; node = node.Next)
        {
            signals[node.Count - 1] = node.Signal;
        }

        return signals;
    }

    private sealed class Node(SeenSignal signal, Node? next)
    {
        public SeenSignal Signal { get; } = signal;
        public Node? Next { get; } = next;
        public int Count { get; } = (next?.Count ?? 0) + 1;
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
        private readonly Stack<Node> missing = new();
        private Node? covered;

        public Dictionary<ReceiptKey, string> Receipts { get; private set; } = [];
        public Dictionary<ReportKey, ReportSeen> Reports { get; private set; } = [];

        /// <summary>Makes the index answer for the chain ending at <paramref name="head"/>.</summary>
        public void Cover(Node head)
        {
            if (ReferenceEquals(head, covered))
            {
                return;
            }

            var node = head;
            while (node is not null && node.Count > (covered?.Count ?? 0))
            {
                missing.Push(node);
                node = node.Next;
            }

            if (!ReferenceEquals(node, covered))
            {
                // Another branch: start over from the oldest entry of this chain.
                Receipts = [];
                Reports = [];
                for (; node is not null; node = node.Next)
                {
                    missing.Push(node);
                }
            }

            while (missing.TryPop(out var next))
            {
                Add(next.Signal);
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
