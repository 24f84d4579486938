using System.ComponentModel;
using System.Text.Json;

namespace Reconciler.Api.OpenApi;

// The shapes of the request bodies, for the OpenAPI document. The endpoints read their bodies strictly by
// hand (RequestJson, SignalBatchParser, PolicyReader, SubscriptionRequest) so that every mistake gets its own
// problem naming the field; these records only describe what those readers accept.

[Description("One signal: what one source observed about one facet of one operation (docs/domain.md, 'A signal').")]
public sealed record SignalContract(
    [property: Description("The business operation, 1..200 characters of [A-Za-z0-9._:-]")] string OperationId,
    [property: Description("Names the truth policy, e.g. order")] string OperationType,
    [property: Description("The source's own id for this signal; the same id again is a duplicate")] string SignalId,
    string Facet,
    string State,
    [property: Description("Only with an admin key: the source the signal is sent for; a source key sends as its own source")] string? Source,
    [property: Description("When the source observed it, ISO-8601 with an offset")] DateTimeOffset? ObservedAt,
    [property: Description("The source's own sequence number; a lower one than already seen is stale")] long? SourceSequence,
    [property: Description("Identifies a side effect (a charge, an email) so a repeat is caught as a duplicate effect")] string? EffectKey,
    string? CorrelationId,
    string? CausationId,
    [property: Description("Facet attributes compared under the policy's tolerances, e.g. {\"amount\": \"129.90\"}")] JsonElement? Attributes);

[Description("Up to 5,000 signals judged in one unit of work, in order.")]
public sealed record SignalBatchContract(IReadOnlyList<SignalContract> Signals);

[Description("One signal object, or { \"signals\": [ … ] }; at most 8 MiB either way.")]
// A body with 'signals' is a batch, whatever else it holds: at least one shape, not exactly one.
[Either(typeof(SignalContract), typeof(SignalBatchContract), Exclusive = false)]
public sealed record SignalsBodyContract;

public sealed record KeyRequestContract(
    [property: Description("source, auditor, resolver or admin")] string Role,
    [property: Description("Required for role source: the system the key sends as")] string? Source,
    [property: Description("Names the person or tool holding the key, for the audit trail")] string? Name);

public sealed record FacetOverrideContract(string Facet, string State);

public sealed record ResolveRequestContract(
    [property: Description("accepted, overridden, compensated or dismissed")] string Resolution,
    [property: Description("Kept with the resolution for the audit trail")] string Reason,
    [property: Description("With resolution overridden: the facet's agreed state from now on")] FacetOverrideContract? Override);

[Description("An answer to a resolution waiting for a second resolver (four-eyes): approve or reject it, with a reason.")]
public sealed record ReasonRequestContract([property: Description("Kept with the answer for the audit trail")] string Reason);

[Description("Nothing to say: the key the request is sent with is who takes the conflict on. An empty object, or no body.")]
public sealed record AcknowledgeRequestContract;

[Description("Out of the default queue until a later time; the conflict's status and clock do not change.")]
public sealed record SnoozeRequestContract(
    [property: Description("ISO-8601 time with an offset, after now")] DateTimeOffset Until,
    [property: Description("Why, for whoever picks the conflict up next")] string Reason);

[Description("A handover of the conflict to another team.")]
public sealed record AssignRequestContract(
    [property: Description("The team: 1..200 characters of A-Z a-z 0-9 . _ : -, such as finance")] string Assignee,
    [property: Description("Why, for the team that receives it")] string Reason);

[Description("A source is alive; with a watermark, it has sent everything it observed up to then.")]
public sealed record HeartbeatRequestContract([property: Description("ISO-8601 time, at most 5 seconds ahead of the server's clock")] DateTimeOffset? Watermark);

public sealed record SourceRuleContract([property: Description("ISO-8601 duration: silent after this long without a signal or heartbeat")] string SilentAfter);

[Description("A truth policy (docs/domain.md, 'The truth policy'); GET returns it normalised with version and createdAt.")]
public sealed partial record PolicyContract(
    [property: Description("The path's operation type; may be left out")] string? OperationType,
    [property: Description("Seconds sources may disagree before a disagreement is recorded (default 300)")] int? GraceSeconds,
    [property: Description("ISO-8601 duration after which an agreed outcome becomes final")] string? FinalAfter,
    IReadOnlyDictionary<string, FacetContract> Facets,
    IReadOnlyList<MatchContract>? Matches,
    IReadOnlyList<ExpectationContract>? Expectations,
    IReadOnlyList<OutcomeRuleContract>? Outcomes,
    [property: Description("Resolvers a resolution needs (1, or 2 for four-eyes), by resolution")] IReadOnlyDictionary<string, int>? Approvals,
    [property: Description("When each source counts as silent")] IReadOnlyDictionary<string, SourceRuleContract>? Sources,
    [property: Description("More conflicts of one kind a minute than this is a storm (default 500)")] int? StormThreshold);

public sealed record FacetContract(
    [property: Description("The source authoritative for this facet; left out, the facet is unowned (nobody is authoritative for it)")] string? Owner,
    IReadOnlyList<string> States,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Transitions,
    int? GraceSeconds,
    [property: Description("once: a repeated effect is a duplicate-effect conflict")] string? Effect,
    IReadOnlyDictionary<string, AttributeContract>? Attributes);

public sealed record AttributeContract(
    [property: Description("exact, decimal or time")] string Type,
    [property: Description("decimal: \"0.01\" or \"0.5%\"; time: an ISO-8601 duration")] string? Tolerance);

public sealed record MatchContract(string Attribute, IReadOnlyList<string> Facets, string? Tolerance);

public sealed record ConditionContract(string Facet, string State);

[Description("A facet must reach a state.")]
public sealed record FacetStateTargetContract(string Facet, string State);

[Description("An outcome must be declared.")]
public sealed record OutcomeTargetContract(string Outcome);

[Description("What must follow: a facet's state, or an outcome.")]
[Either(typeof(FacetStateTargetContract), typeof(OutcomeTargetContract))]
public sealed record TargetContract;

public sealed record ExpectationContract(ConditionContract When, TargetContract Expect, [property: Description("ISO-8601 duration")] string Within);

public sealed record OutcomeRuleContract(
    string Outcome,
    [property: Description("facet → the states that satisfy the rule")] IReadOnlyDictionary<string, IReadOnlyList<string>> When,
    bool? RequireMatches);

public sealed record RetryContract(int? MaxAttempts, string? InitialDelay, string? MaxDelay, string? MaxAge);

public sealed record SubscriptionRequestContract(
    string Name,
    [property: Description("https URL the deliveries are POSTed to")] string Url,
    [property: Description("Event types to deliver (default: every type)")] IReadOnlyList<string>? Types,
    IReadOnlyList<string>? OperationTypes,
    [property: Description("whsec_… secret; generated and returned once when left out")] string? Secret,
    [property: Description("start, end (default) or a feed cursor")] string? From,
    RetryContract? Retry);

public sealed record SubscriptionChangeContract(
    string? Url,
    IReadOnlyList<string>? Types,
    IReadOnlyList<string>? OperationTypes,
    [property: Description("active or paused")] string? Status,
    [property: Description("A new secret: both are signed with for 24 h")] string? Secret);

public sealed record RedeliverRequestContract(
    [property: Description("eventIds of parked deliveries, such as evt-42; all parked when left out")] IReadOnlyList<string>? EventIds,
    [property: Description("Bounds when the deliveries were parked")] DateTimeOffset? From,
    DateTimeOffset? To);
