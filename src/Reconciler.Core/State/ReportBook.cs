namespace Reconciler.Core.State;

/// <summary>
/// An insert-only, persistent record of the reports each source made: (source, facet, state, effect key)
/// with the source sequences it came under. Adding is O(1) (a node on a shared chain), so folding history
/// stays cheap; a book read from a snapshot is one node holding all its reports. Small books answer by
/// walking the chain; a large one builds a lookup index lazily, on the first question, and then extends it
/// along the chain — rebuilt only when a question comes from another branch (time travel, a what-if).
/// Immutable to its users: an older book never sees newer entries.
/// </summary>
public sealed class ReportBook
{
    public static ReportBook Empty { get; } = new([], null, new Index());

    // Each book is the newest link of its chain (its reports, oldest first); the empty book ends every chain.
    private readonly Report[] _reports;
    private readonly ReportBook? _previous;
    private readonly Index _index;

    private ReportBook(Report[] reports, ReportBook? previous, Index index)
    {
        _reports = reports;
        _previous = previous;
        _index = index;
        Count = (previous?.Count ?? 0) + reports.Length;
    }

    /// <summary>Reports recorded.</summary>
    public int Count { get; }

    public ReportBook With(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);

        // The empty book never lends its index, so that no operation's entries stay reachable from it.
        return new ReportBook([report], this, Count == 0 ? new Index() : _index);
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

        if (Count <= ScanLimit)
        {
            return Scan(source, facet, state, effectKey, sequence);
        }

        lock (_index)
        {
            _index.Cover(this);
            return _index.Reports.TryGetValue(new(source, facet, state, effectKey), out var seen)
                && (sequence is null || seen.Unsequenced || seen.Sequences.Contains(sequence.Value));
        }
    }

    // A small book (most operations hear a few dozen reports) answers by walking its chain: no index to build,
    // which matters because every write starts from a book just read from a snapshot.
    private const int ScanLimit = 32;

    private bool Scan(string source, string facet, string state, string? effectKey, long? sequence)
    {
        for (var book = this; book._previous is not null; book = book._previous)
        {
            foreach (var r in book._reports)
            {
                if (r.Source == source && r.Facet == facet && r.State == state && r.EffectKey == effectKey
                    && (sequence is null || r.SourceSequence is null || r.SourceSequence == sequence))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The reports recorded, oldest first.</summary>
    public IReadOnlyList<Report> All()
    {
        var all = new Report[Count];
        for (var book = this; book._previous is not null; book = book._previous)
        {
            book._reports.CopyTo(all, book.Count - book._reports.Length);
        }

        return all;
    }

    /// <summary>A book holding <paramref name="reports"/>, oldest first: one node, however many.</summary>
    public static ReportBook Of(IEnumerable<Report> reports)
    {
        var all = reports.ToArray();
        return all.Length == 0 ? Empty : new ReportBook(all, Empty, new Index());
    }

    private readonly record struct ReportKey(string Source, string Facet, string State, string? EffectKey);

    private sealed class ReportSeen
    {
        public bool Unsequenced { get; set; }
        public HashSet<long> Sequences { get; } = [];
    }

    /// <summary>The lookup table for one chain; private and rebuilt per branch, so it may change in place.</summary>
    private sealed class Index
    {
        private readonly Stack<ReportBook> _missing = new();
        private ReportBook? _covered;

        public Dictionary<ReportKey, ReportSeen> Reports { get; private set; } = [];

        /// <summary>Makes the index answer for the chain ending at <paramref name="head"/>.</summary>
        public void Cover(ReportBook head)
        {
            if (ReferenceEquals(head, _covered))
            {
                return;
            }

            var book = head;
            while (book._previous is not null && book.Count > (_covered?.Count ?? 0))
            {
                _missing.Push(book);
                book = book._previous;
            }

            if (book._previous is not null && !ReferenceEquals(book, _covered))
            {
                // Another branch: start over from the oldest entry of this chain.
                Reports = [];
                for (; book._previous is not null; book = book._previous)
                {
                    _missing.Push(book);
                }
            }

            while (_missing.TryPop(out var next))
            {
                foreach (var r in next._reports)
                {
                    Add(r);
                }
            }

            _covered = head;
        }

        private void Add(Report r)
        {
            var key = new ReportKey(r.Source, r.Facet, r.State, r.EffectKey);
            if (!Reports.TryGetValue(key, out var seen))
            {
                seen = new ReportSeen();
                Reports.Add(key, seen);
            }

            if (r.SourceSequence is { } sequence)
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

/// <summary>One report a source made: this facet is in this state (with this effect key), under this source sequence.</summary>
public sealed record Report(string Source, string Facet, string State, string? EffectKey, long? SourceSequence);
