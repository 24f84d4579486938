using System.Text.Json;
using Reconciler.Core.Policies;
using Reconciler.Core.State;
using Reconciler.Store.Policies;

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
    /// <summary>The truth of <paramref name="state"/>, listing every facet <paramref name="policy"/> (the version it was judged
    /// under, or a what-if's candidate) declares: a facet nobody claimed is the one an auditor looks for, so it is shown
    /// with basis <c>none</c> and no claims rather than left out.</summary>
    public static TruthView From(string operationId, OperationState state, TruthPolicy? policy) => new(
        operationId,
        state.OperationType,
        state.Version,
        state.PolicyVersion,
        state.Outcome,
        state.OutcomeRuleIndex,
        state.OutcomeFinality,
        state.FinalDue,
        state.Health,
        state.Facets.Keys
            .Union(policy?.Facets.Keys ?? [], StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToDictionary(f => f, f => FacetView.From(state.FacetOrEmpty(f)), StringComparer.Ordinal),
        state.OpenConflicts.Select(OpenConflictView.From).ToList(),
        state.NextDeadline,
        state.UpdatedAt);

    /// <summary>The truth of a stored operation's state, with the facets of the policy version it was judged under.</summary>
    public static async Task<TruthView> ReadAsync(string operationId, OperationState state, PolicyStore policies, CancellationToken ct)
    {
        var judgedUnder = state.OperationType is { } type ? await policies.GetAsync(type, state.PolicyVersion, ct) : null;
        return From(operationId, state, judgedUnder?.Policy);
    }
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
