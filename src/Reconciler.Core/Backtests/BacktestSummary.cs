using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reconciler.Core.Backtests;

/// <summary>
/// What a candidate policy would change across the operations of a backtest (docs/domain.md, "Policy backtest"): how many were
/// compared and how many change, the outcome and finality matrices (from today → under the candidate, every pair seen), the
/// facets whose agreed truth changes, conflicts per kind, the decisions at risk (counted in full, the first
/// <see cref="BacktestTally.ListedDecisions"/> listed), the signals the candidate would judge again, and up to
/// <see cref="BacktestTally.ExamplesPerChange"/> example operation ids per change class. Every list is sorted, so equal inputs
/// give equal summaries whatever order the operations were compared in; <c>Hash</c> is a SHA-256 of the rest.
/// </summary>
public sealed record BacktestSummary(
    long Operations,
    long Changed,
    ImmutableList<Transition> Outcomes,
    ImmutableList<Transition> Finality,
    ImmutableList<FacetFigure> Facets,
    ImmutableList<ConflictFigures> Conflicts,
    ImmutableList<SeverityChange> SeverityChanges,
    DecisionFigures DecisionsAtRisk,
    RejudgeFigures Rejudged,
    ImmutableList<ChangeExamples> Examples)
{
    public string? Hash { get; init; }

    /// <summary>The summary with its content hash: <c>sha256:</c> and the hex digest of its JSON without the hash.</summary>
    public BacktestSummary WithHash() => this with { Hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(ToJsonBytes(this with { Hash = null }))) };

    /// <summary>The stored form (and what the hash is taken over): camelCase JSON, unset fields left out, lists in their order.</summary>
    public static byte[] ToJsonBytes(BacktestSummary summary) => JsonSerializer.SerializeToUtf8Bytes(summary, BacktestJson.Default.BacktestSummary);

    public static BacktestSummary FromJson(string json) =>
        JsonSerializer.Deserialize(json, BacktestJson.Default.BacktestSummary) ?? throw new JsonException("A backtest summary is null.");

    /// <summary>A decision at risk as the store keeps it beside its operation's changes.</summary>
    public static string DecisionToJson(DecisionAtRisk decision) => JsonSerializer.Serialize(decision, BacktestJson.Default.DecisionAtRisk);

    public static DecisionAtRisk DecisionFromJson(string json) =>
        JsonSerializer.Deserialize(json, BacktestJson.Default.DecisionAtRisk) ?? throw new JsonException("A decision at risk is null.");
}

/// <summary>Operations whose outcome (or finality) is <c>From</c> today and <c>To</c> under the candidate.</summary>
public sealed record Transition(string From, string To, long Count);

/// <summary>Operations whose agreed truth of <c>Facet</c> (state and basis) differs under the candidate.</summary>
public sealed record FacetFigure(string Facet, long Changed);

/// <summary>Decisions at risk: how many in all, how many per decision and risk, and the first of them (oldest first).</summary>
public sealed record DecisionFigures(long Total, ImmutableList<DecisionCount> Counts, ImmutableList<DecisionAtRisk> Items);

public sealed record DecisionCount(string Decision, string Risk, long Count);

/// <summary>
/// Example operations of one change class: <c>outcome:A->B</c>, <c>finality:A->B</c>, <c>facet:F</c>, <c>appear:K</c>,
/// <c>disappear:K</c>, <c>severity:K</c>, <c>decision:R</c> or <c>rejudged</c>; the ordinally smallest ids, sorted.
/// </summary>
public sealed record ChangeExamples(string Change, ImmutableList<string> OperationIds);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BacktestSummary))]
[JsonSerializable(typeof(DecisionAtRisk))]
internal sealed partial class BacktestJson : JsonSerializerContext;
