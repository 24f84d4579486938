using System.Collections.Immutable;

namespace Reconciler.Core.Inbound;

/// <summary>
/// How a source's own deliveries and statement files become signals (docs/inbound.md): how a delivery is checked
/// (<see cref="Verify"/>), what it is (<see cref="Format"/>), and the rules that map it — tried in order, the first
/// whose <c>when</c> holds maps it. Expressions are JMESPath, kept as written; the server compiles them.
/// The secret is not part of the mapping: it is sealed apart and never shown.
/// </summary>
public sealed record InboundMapping(string Format, InboundVerification? Verify, ImmutableList<MappingRule> Rules, CsvMapping? Csv);

/// <summary>
/// The signature scheme of deliveries. <see cref="Header"/>, <see cref="Prefix"/> and <see cref="Encoding"/> belong to
/// <c>hmac-sha256</c>; <see cref="ToleranceSeconds"/> to the schemes that sign a timestamp (<c>stripe</c>, <c>standard-webhooks</c>).
/// </summary>
public sealed record InboundVerification(string Scheme, string? Header, string? Prefix, string Encoding, int ToleranceSeconds);

/// <summary>
/// One rule: when <see cref="When"/> is true (absent: always), each item <see cref="Each"/> yields (absent: the payload
/// itself) becomes one signal whose fields are the results of <see cref="Fields"/>; <see cref="Attributes"/> fill its attributes.
/// </summary>
public sealed record MappingRule(string? When, string? Each, ImmutableList<MappedField> Fields, ImmutableList<MappedField> Attributes)
{
    public string? Expression(string field) => Fields.FirstOrDefault(f => f.Name == field)?.Expression;
}

/// <summary>A signal field or attribute and the expression that gives its value.</summary>
public sealed record MappedField(string Name, string Expression);

/// <summary>
/// How a CSV file's rows are read: the delimiter, whether the first row names the columns (else <see cref="Columns"/>
/// does), and the rules, whose expressions see <c>{ "row": { column: value } }</c>.
/// </summary>
public sealed record CsvMapping(char Delimiter, bool Header, ImmutableList<string> Columns, ImmutableList<MappingRule> Rules);

/// <summary>The words of a mapping document.</summary>
public static class InboundWords
{
    public const string Json = "json";
    public const string CloudEvents = "cloudevents";

    public const string Stripe = "stripe";
    public const string StandardWebhooks = "standard-webhooks";
    public const string HmacSha256 = "hmac-sha256";
    public const string Key = "key";

    public const string Hex = "hex";
    public const string Base64 = "base64";

    public const int DefaultToleranceSeconds = 300;

    public static readonly ImmutableList<string> Formats = [Json, CloudEvents];
    public static readonly ImmutableList<string> Schemes = [Stripe, StandardWebhooks, HmacSha256, Key];

    /// <summary>The signal fields a rule must map, then those it may.</summary>
    public static readonly ImmutableList<string> RequiredFields = ["operationId", "operationType", "signalId", "facet", "state"];
    public static readonly ImmutableList<string> OptionalFields = ["observedAt", "sourceSequence", "effectKey", "correlationId", "causationId"];

    /// <summary>Schemes whose deliveries are signed with a secret the mapping holds (<c>key</c> uses the API key instead).</summary>
    public static bool NeedsSecret(string scheme) => scheme is Stripe or StandardWebhooks or HmacSha256;
}
