using System.ComponentModel;

namespace Reconciler.Inbound;

// The shapes of the inbound request bodies, for the OpenAPI document. The endpoints read bodies strictly by hand
// (InboundMappingReader, the schemes' own formats); these records only describe what those readers accept.

[Description("How a delivery is checked: stripe, standard-webhooks, hmac-sha256 (with header, prefix, encoding) or key.")]
public sealed record VerifyContract(
    [property: Description("stripe, standard-webhooks, hmac-sha256 or key")] string Scheme,
    [property: Description("hmac-sha256: the header that carries the signature, e.g. X-Hub-Signature-256")] string? Header,
    [property: Description("hmac-sha256: text before the signature, e.g. sha256=")] string? Prefix,
    [property: Description("hmac-sha256: hex (default) or base64")] string? Encoding,
    [property: Description("stripe, standard-webhooks: how old (or ahead) a signed timestamp may be, 1..86400 seconds (300)")] int? ToleranceSeconds);

[Description("One rule: JMESPath expressions over the payload (a literal is quoted: 'order'); the first rule whose 'when' is true maps it.")]
public sealed record MappingRuleContract(
    [property: Description("When the rule applies; absent: always")] string? When,
    [property: Description("A list in the payload: one signal per item, the expressions seeing { item, index, payload }")] string? Each,
    string OperationId, string OperationType, string SignalId, string Facet, string State,
    [property: Description("An ISO-8601 time, or Unix seconds or milliseconds")] string? ObservedAt,
    string? SourceSequence, string? EffectKey, string? CorrelationId, string? CausationId,
    [property: Description("Attribute names and the expressions that give them")] IReadOnlyDictionary<string, string>? Attributes);

[Description("How a CSV statement's rows are read; the rules' expressions see { \"row\": { column: value } }.")]
public sealed record CsvMappingContract(
    [property: Description("One character (default ','); \\t for tab")] string? Delimiter,
    [property: Description("Whether the first row names the columns (default true)")] bool? Header,
    [property: Description("The column names, when the file has no header row")] IReadOnlyList<string>? Columns,
    IReadOnlyList<MappingRuleContract> Rules);

[Description("A source's inbound mapping (docs/inbound.md).")]
public sealed record InboundMappingContract(
    [property: Description("json (default) or cloudevents")] string? Format,
    VerifyContract? Verify,
    [property: Description("The secret the system signs with; sealed at rest, never returned; left out: the newest version's is kept")] string? Secret,
    IReadOnlyList<MappingRuleContract>? Rules,
    CsvMappingContract? Csv);

[Description("A stored mapping version: the mapping (never its secret) and what the server adds.")]
public sealed record StoredInboundMappingContract(
    string? Format, VerifyContract? Verify, IReadOnlyList<MappingRuleContract>? Rules, CsvMappingContract? Csv,
    string Source, int Version, bool HasSecret, string CreatedBy, DateTimeOffset CreatedAt);

[Description("The quarantined deliveries to map again under the newest mapping; an empty body replays them all.")]
public sealed record ReplayRequestContract([property: Description("deliveryId values from GET …/inbound/unmatched")] IReadOnlyList<long>? DeliveryIds);
