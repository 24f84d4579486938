using System.Text.Json;
using Reconciler.Core.State;

namespace Reconciler.Responses;

/// <summary>The agreed truth of API.md, as the API and the CLI show it. <c>Finality</c>: how sure the outcome is
/// (provisional, agreed, final); <c>FinalDue</c>: when an agreed outcome becomes final if it stays so.</summary>
public sealed record TruthView(
    string OperationId,
    string? OperationType,
    long Version,
    int PolicyVersion,
    string Outcome,
    int? OutcomeRuleIndex,
    string Finality,
    DateTimeOffset? FinalDue,
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
        state.OutcomeFinality,
        state.FinalDue,
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
        facet.Claims.Select(c => new ClaimView(c.Source, c.State, c.At, c.ObservedAt, c.SourceSequence, c.SignalId, Attributes(c.AttributesJson))).ToList());

    // The claim's attributes as the source sent them: what declared attributes are compared on.
    private static JsonElement? Attributes(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

public sealed record ClaimView(string Source, string State, DateTimeOffset At, DateTimeOffset ObservedAt, long? SourceSequence, string SignalId,
    JsonElement? Attributes);

public sealed record OpenConflictView(string ConflictId, string Kind, string Severity, string? Facet, IReadOnlyList<string> Sources, DateTimeOffset OpenedAt)
{
    public static OpenConflictView From(ConflictRecord c) => new(c.ConflictId, c.Kind, c.Severity, c.Facet, c.Sources, c.OpenedAt);
}
