using System.Collections.Immutable;

namespace Reconciler.Core.Backtests;

/// <summary>
/// Adds operations compared under a candidate into a <see cref="BacktestSummary"/>. Every figure is a sum or a bounded set of
/// the smallest items, so adding is commutative and associative: the operations may be added in any order, on any thread's
/// share, and tallies merged (<see cref="Merge"/>), with the same summary at the end. A run that stops and resumes starts again
/// from the summary it stored (<see cref="From"/>). Not thread-safe: one tally per thread.
/// </summary>
public sealed class BacktestTally
{
    public const int ExamplesPerChange = 20;
    public const int ListedDecisions = 100;

    private readonly Dictionary<(string, string), long> _outcomes = [];
    private readonly Dictionary<(string, string), long> _finality = [];
    private readonly Dictionary<string, long> _facets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConflictFigures> _conflicts = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string, string, string), long> _severities = [];
    private readonly Dictionary<(string, string), long> _decisions = [];
    private readonly Smallest<DecisionAtRisk> _listed = new(ListedDecisions, DecisionAtRisk.Compare);
    private readonly Dictionary<string, Smallest<string>> _examples = new(StringComparer.Ordinal);
    private long _operations, _changed, _decisionTotal;
    private RejudgeFigures _rejudged = RejudgeFigures.None;

    public long Operations => _operations;

    public static BacktestTally From(BacktestSummary summary)
    {
        var tally = new BacktestTally();
        tally.Absorb(summary);
        return tally;
    }

    public void Add(OperationBacktest operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        _operations++;
        Increment(_outcomes, (operation.OutcomeToday, operation.OutcomeCandidate), 1);
        Increment(_finality, (operation.FinalityToday, operation.FinalityCandidate), 1);
        var id = operation.OperationId;
        if (operation.Changed)
        {
            _changed++;
        }
        if (operation.OutcomeToday != operation.OutcomeCandidate)
        {
            Example($"outcome:{operation.OutcomeToday}->{operation.OutcomeCandidate}", id);
        }
        if (operation.FinalityToday != operation.FinalityCandidate)
        {
            Example($"finality:{operation.FinalityToday}->{operation.FinalityCandidate}", id);
        }
        foreach (var facet in operation.Changes.Where(c => c.What == "facet").Select(c => c.Subject).Distinct(StringComparer.Ordinal))
        {
            Increment(_facets, facet, 1);
            Example($"facet:{facet}", id);
        }
        foreach (var figures in operation.Conflicts)
        {
            AddConflicts(figures);
            ExampleIf(figures.Appear > 0, $"appear:{figures.Kind}", id);
            ExampleIf(figures.Disappear > 0, $"disappear:{figures.Kind}", id);
            ExampleIf(figures.SeverityChanged > 0, $"severity:{figures.Kind}", id);
        }
        foreach (var change in operation.SeverityChanges)
        {
            Increment(_severities, (change.FromKind, change.FromSeverity, change.ToKind, change.ToSeverity), change.Count);
        }
        foreach (var decision in operation.Decisions)
        {
            _decisionTotal++;
            Increment(_decisions, (decision.Decision, decision.Risk), 1);
            _listed.Add(decision);
            Example($"decision:{decision.Risk}", id);
        }
        _rejudged = _rejudged.Plus(operation.Rejudged);
        ExampleIf(operation.Rejudged.Signals > 0, "rejudged", id);
    }

    public void Merge(BacktestTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Absorb(other.ToSummary());
    }

    /// <summary>The summary so far, without its hash (<see cref="BacktestSummary.WithHash"/> adds it once the run is complete).</summary>
    public BacktestSummary ToSummary() => new(
        _operations,
        _changed,
        [.. _outcomes.Select(o => new Transition(o.Key.Item1, o.Key.Item2, o.Value)).OrderBy(t => t.From, StringComparer.Ordinal).ThenBy(t => t.To, StringComparer.Ordinal)],
        [.. _finality.Select(o => new Transition(o.Key.Item1, o.Key.Item2, o.Value)).OrderBy(t => t.From, StringComparer.Ordinal).ThenBy(t => t.To, StringComparer.Ordinal)],
        [.. _facets.Select(f => new FacetFigure(f.Key, f.Value)).OrderBy(f => f.Facet, StringComparer.Ordinal)],
        [.. _conflicts.Values.OrderBy(c => c.Kind, StringComparer.Ordinal)],
        [.. _severities.Select(s => new SeverityChange(s.Key.Item1, s.Key.Item2, s.Key.Item3, s.Key.Item4, s.Value))
            .OrderBy(s => s.FromKind, StringComparer.Ordinal).ThenBy(s => s.FromSeverity, StringComparer.Ordinal)
            .ThenBy(s => s.ToKind, StringComparer.Ordinal).ThenBy(s => s.ToSeverity, StringComparer.Ordinal)],
        new DecisionFigures(
            _decisionTotal,
            [.. _decisions.Select(d => new DecisionCount(d.Key.Item1, d.Key.Item2, d.Value)).OrderBy(d => d.Decision, StringComparer.Ordinal).ThenBy(d => d.Risk, StringComparer.Ordinal)],
            _listed.Sorted()),
        _rejudged,
        [.. _examples.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => new ChangeExamples(e.Key, e.Value.Sorted()))]);

    private void Absorb(BacktestSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        _operations += summary.Operations;
        _changed += summary.Changed;
        summary.Outcomes.ForEach(t => Increment(_outcomes, (t.From, t.To), t.Count));
        summary.Finality.ForEach(t => Increment(_finality, (t.From, t.To), t.Count));
        summary.Facets.ForEach(f => Increment(_facets, f.Facet, f.Changed));
        summary.Conflicts.ForEach(AddConflicts);
        summary.SeverityChanges.ForEach(s => Increment(_severities, (s.FromKind, s.FromSeverity, s.ToKind, s.ToSeverity), s.Count));
        _decisionTotal += summary.DecisionsAtRisk.Total;
        summary.DecisionsAtRisk.Counts.ForEach(d => Increment(_decisions, (d.Decision, d.Risk), d.Count));
        summary.DecisionsAtRisk.Items.ForEach(_listed.Add);
        _rejudged = _rejudged.Plus(summary.Rejudged);
        summary.Examples.ForEach(e => e.OperationIds.ForEach(id => Example(e.Change, id)));
    }

    private void AddConflicts(ConflictFigures figures) =>
        _conflicts[figures.Kind] = _conflicts.TryGetValue(figures.Kind, out var had) ? had.Plus(figures) : figures;

    private void ExampleIf(bool condition, string change, string operationId)
    {
        if (condition)
        {
            Example(change, operationId);
        }
    }

    private void Example(string change, string operationId)
    {
        if (!_examples.TryGetValue(change, out var ids))
        {
            _examples[change] = ids = new Smallest<string>(ExamplesPerChange, string.CompareOrdinal);
        }
        ids.Add(operationId);
    }

    private static void Increment<TKey>(Dictionary<TKey, long> counts, TKey key, long by) where TKey : notnull =>
        counts[key] = counts.GetValueOrDefault(key) + by;
}
