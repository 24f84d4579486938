using System.ComponentModel;

namespace Reconciler.Api.OpenApi;

[Description("Who answers for the conflicts of this operation type, their clocks, escalation, and how long an operation may take to finish (docs/domain.md, 'Accountability').")]
public sealed record AccountabilityContract(
    [property: Description("The team for any conflict no facet or kind names")] string? Owner,
    [property: Description("facet → team")] IReadOnlyDictionary<string, string>? Facets,
    [property: Description("conflict kind → team; wins over the facet's")] IReadOnlyDictionary<string, string>? Kinds,
    [property: Description("severity (high, medium, info) → ISO-8601 duration: dueBy is the opening plus it")] IReadOnlyDictionary<string, string>? ResolveWithin,
    [property: Description("The team an overdue conflict is handed to")] string? EscalateTo,
    [property: Description("ISO-8601 duration: without an outcome this long after the first signal, an unfinished conflict opens")] string? FinishWithin);

/// <summary>The policy's <c>accountability</c> section, as sent.</summary>
public sealed partial record PolicyContract
{
    public AccountabilityContract? Accountability { get; init; }
}

/// <summary>The policy's <c>accountability</c> section, as stored (left out when the policy has none).</summary>
public sealed partial record StoredPolicyContract
{
    public AccountabilityContract? Accountability { get; init; }
}
