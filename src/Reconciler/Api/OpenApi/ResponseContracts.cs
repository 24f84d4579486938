using System.ComponentModel;
using System.Text.Json.Serialization;
using Reconciler.Store.Projections;
using Reconciler.Responses;

namespace Reconciler.Api.OpenApi;

// Responses the endpoints pass through as stored JSON (a conflict record from the projection, a policy as
// written): these records describe that JSON for the OpenAPI document.

[Description("A conflict record (docs/api.md, 'The conflict record'): the stored document with its evidence.")]
public sealed record ConflictRecordContract : ConflictDocument
{
    private ConflictRecordContract(ConflictDocument document)
        : base(document)
    {
    }

    [Description("Feed positions of the evidence events")]
    public IReadOnlyList<long> Evidence { get; init; } = [];

    [Description("GET /v1/conflicts/{conflictId} only: the evidence events themselves")]
    public IReadOnlyList<StreamEvent>? Events { get; init; }
}

public sealed record ConflictPageContract(IReadOnlyList<ConflictRecordContract> Items, [property: Description("Cursor of the next page; null on the last")] string? Next);

[Description("A stored policy version: the policy in normal form with its version and when it was written.")]
public sealed partial record StoredPolicyContract(
    string OperationType,
    int Version,
    DateTimeOffset CreatedAt,
    int GraceSeconds,
    string? FinalAfter,
    IReadOnlyDictionary<string, StoredFacetContract> Facets,
    IReadOnlyList<MatchContract>? Matches,
    IReadOnlyList<ExpectationContract> Expectations,
    IReadOnlyList<OutcomeRuleContract> Outcomes,
    IReadOnlyDictionary<string, int>? Approvals,
    IReadOnlyDictionary<string, SourceRuleContract>? Sources,
    int? StormThreshold);

[Description("A facet in the stored policy: an unowned facet's owner is null.")]
public sealed record StoredFacetContract(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never), Description("The source authoritative for this facet; null when nobody is")] string? Owner,
    IReadOnlyList<string> States,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Transitions,
    int? GraceSeconds,
    [property: Description("once: a repeated effect is a duplicate-effect conflict")] string? Effect,
    IReadOnlyDictionary<string, AttributeContract>? Attributes);
