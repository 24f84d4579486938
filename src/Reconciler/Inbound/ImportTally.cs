using Reconciler.Ingest;

namespace Reconciler.Inbound;

/// <summary>The counts of an import as it runs; the parser and the ingest partitions add to it, so it locks.</summary>
public sealed class ImportTally
{
    private readonly Lock _gate = new();
    private readonly List<ImportProblem> _problems = [];
    private long _rows, _signals, _accepted, _recorded, _duplicates, _rejected, _unmatched;
    private bool _truncated;

    public void Row()
    {
        lock (_gate)
        {
            _rows++;
        }
    }

    public void Refused(long row, string reason, bool unmatched)
    {
        lock (_gate)
        {
            if (unmatched)
            {
                _unmatched++;
            }
            else
            {
                _rejected++;
            }
            Note(row, reason);
        }
    }

    /// <summary>Counts the results of one ingested chunk; <paramref name="rows"/> gives each signal's row.</summary>
    public void Judged(IReadOnlyList<SignalResult> results, IReadOnlyList<long> rows)
    {
        lock (_gate)
        {
            _signals += results.Count;
            foreach (var result in results)
            {
                switch (result.Status)
                {
                    case SignalStatuses.Rejected:
                        _rejected++;
                        Note(rows[result.Index], $"{result.Problem!.Detail}");
                        break;
                    case "accepted":
                        _accepted++;
                        break;
                    default:
                        if (result.ConflictsOpened.Any(c => c.Kind == "duplicate"))
                        {
                            _duplicates++;
                        }
                        else
                        {
                            _recorded++;
                        }
                        break;
                }
            }
        }
    }

    public ImportSummary Summary(ImportSummary head)
    {
        lock (_gate)
        {
            return head with
            {
                Rows = _rows, Signals = _signals, Accepted = _accepted, Recorded = _recorded, Duplicates = _duplicates, Rejected = _rejected, Unmatched = _unmatched,
                Problems = [.. _problems.OrderBy(p => p.Row)], ProblemsTruncated = _truncated ? true : null,
            };
        }
    }

    private void Note(long row, string reason)
    {
        if (_problems.Count < ImportSummary.MaxProblems)
        {
            _problems.Add(new ImportProblem(row, reason));
        }
        else
        {
            _truncated = true;
        }
    }
}
