using System.ComponentModel;
using Reconciler.Core.Events;

namespace Reconciler.Api.OpenApi;

// Responses the endpoints pass through as stored JSON (a conflict record from the projection, a policy as
// written): these records describe that JSON for the OpenAPI document.

[Description("A conflict record (docs/api.md, 'The conflict record').")]
public sealed record ConflictRecordContract(
    string ConflictId,
    string OperationId,
    string OperationType,
    string Kind,
    string Severity,
    string? Facet,
    IReadOnlyList<string> Sources,
    IReadOnlyList<string> States,
    string Detail,
    DateTimeOffset OpenedAt,
    DateTimeOffset FirstOpenedAt,
    [property: Description("open or resolved")] string Status,
    DateTimeOffset? ResolvedAt,
    string? Resolution,
    string? ResolvedBy,
    string? Reason,
    int Occurrences,
    int? ExpectationIndex,
    IReadOnlyList<long> EvidenceVersions,
    IReadOnlyList<Difference>? Differences,
    [property: Description("A missing signal's cause: source-silent or not-reported")] string? Cause,
    [property: Description("A resolution waiting for a second resolver (four-eyes)")] Core.State.PendingResolution? PendingResolution,
    [property: Description("The second resolver of a four-eyes resolution")] string? ApprovedBy,
    [property: Description("Feed positions of the evidence events")] IReadOnlyList<long> Evidence,
    [property: Description("GET /v1/conflicts/{conflictId} only: the evidence events themselves")] IReadOnlyList<OperationsApi.StreamEvent>? Events);

public sealed record ConflictPageContract(IReadOnlyList<ConflictRecordContract> Items, [property: Description("Cursor of the next page; null on the last")] string? Next);

[Description("A stored policy version: the policy in normal form with its version and when it was written.")]
public sealed record StoredPolicyContract(
    string OperationType,
    int Version,
    DateTimeOffset CreatedAt,
    int GraceSeconds,
    string? FinalAfter,
    IReadOnlyDictionary<string, FacetContract> Facets,
    IReadOnlyList<MatchContract>? Matches,
    IReadOnlyList<ExpectationContract> Expectations,
    IReadOnlyList<OutcomeRuleContract> Outcomes,
    IReadOnlyDictionary<string, int>? Approvals,
    IReadOnlyDictionary<string, SourceRuleContract>? Sources,
    int? StormThreshold);
