using Reconciler.Core.Views;

namespace Reconciler.Views;

/// <summary>The agreed truth of API.md, as the API and the CLI show it.</summary>
public sealed record TruthView(
    string OperationId,
    string? OperationType,
    long Version,
    int PolicyVersion,
    string Outcome,
    int? OutcomeRuleIndex,
    string Health,
    IReadOnlyDictionary<string, FacetView> Facets,
    IReadOnlyList<OpenConflictView> OpenConflicts,
    DateTimeOffset? NextDeadline,
    DateTimeOffset? UpdatedAt)
{
    public static TruthView From(string operationId, OperationState state) => new(
        operationId,
        state.OperationType,
        state.Version,
        state.PolicyVersion,
        state.Outcome,
        state.OutcomeRuleIndex,
        state.Health,
        state.Facets
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .ToDictionary(f => f.Key, f => FacetView.From(f.Value), StringComparer.Ordinal),
        state.OpenConflicts.Select(OpenConflictView.From).ToList(),
        state.NextDeadline,
        state.UpdatedAt);
}

/// <summary>A facet's agreed state, its basis (owner, provisional, override, none) and every source's latest claim.</summary>
public sealed record FacetView(string? State, string? Source, string Basis, DateTimeOffset? Since, IReadOnlyList<ClaimView> Claims)
{
    public static FacetView From(FacetTruth facet) => new(
        facet.State,
        facet.Source,
        facet.Basis,
        facet.Since,
        facet.Claims.Select(c => new ClaimView(c.Source, c.State, c.At, c.ObservedAt, c.SourceSequence, c.SignalId)).ToList());
}

public sealed record ClaimView(string Source, string State, DateTimeOffset At, DateTimeOffset ObservedAt, long? SourceSequence, string SignalId);

public sealed record OpenConflictView(string ConflictId, string Kind, string Severity, string? Facet, IReadOnlyList<string> Sources, DateTimeOffset OpenedAt)
{
    public static OpenConflictView From(ConflictRecord c) => new(c.ConflictId, c.Kind, c.Severity, c.Facet, c.Sources, c.OpenedAt);
}
