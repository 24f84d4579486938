using System.Collections.Immutable;
using System.Text.Json;

namespace Reconciler.Core.Policies;

/// <summary>
/// Reads a truth policy from JSON in the DOMAIN.md shape and validates it. Every problem is
/// reported with its JSON path and what to fix; a policy with any problem reads as null.
/// Comments and trailing commas are allowed (policies are written by hand).
/// </summary>
public static partial class PolicyReader
{
    /// <summary>The policy-wide grace window when <c>graceSeconds</c> is left out: five minutes.</summary>
    public const int DefaultGraceSeconds = 300;

    /// <summary>Outcomes that exist without a rule naming them.</summary>
    public static readonly ImmutableList<string> BuiltInOutcomes = ["pending", "succeeded", "failed"];

    private static readonly string[] RootProperties = ["operationType", "graceSeconds", "finalAfter", "facets", "matches", "expectations", "outcomes", "approvals", "sources", "stormThreshold", "accountability"];
    private static readonly string[] FacetProperties = ["owner", "states", "transitions", "graceSeconds", "effect", "attributes"];

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static PolicyReadResult Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, DocumentOptions);
            return Read(document.RootElement);
        }
        catch (JsonException e)
        {
            var reason = e.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0)
            {
                reason = reason[..cut];
            }

            var where = e.LineNumber is { } line ? $" at line {line + 1}, position {(e.BytePositionInLine ?? 0) + 1}" : "";
            return new PolicyReadResult(null, [new PolicyProblem("$", $"malformed JSON{where}: {reason}")]);
        }
    }

    public static PolicyReadResult Read(JsonElement json)
    {
        var reading = new PolicyReading();
        if (json.ValueKind != JsonValueKind.Object)
        {
            reading.Add("$", $"a policy must be a JSON object, not {PolicyReading.Kind(json)}");
            return new PolicyReadResult(null, reading.Problems);
        }
        var root = reading.Properties(json, "", RootProperties);

        var operationType = reading.String(root, "operationType", "", "name the operation type this policy judges, e.g. 'order'");
        if (operationType is not null && !PolicyReading.NamePattern().IsMatch(operationType))
        {
            reading.Add("operationType", $"'{operationType}' is not a valid operation type: {PolicyReading.NameRule}");
        }

        var graceSeconds = root.TryGetValue("graceSeconds", out var grace) ? reading.Seconds(grace, "graceSeconds") : DefaultGraceSeconds;
        var finalAfter = root.ContainsKey("finalAfter") ? ReadDuration(reading, root, "", "finalAfter", "an ISO-8601 duration such as P1D") : null;

        var approvals = ReadApprovals(reading, root);
        var sources = ReadSources(reading, root);
        var stormThreshold = ReadStormThreshold(reading, root);
        var facets = ReadFacets(reading, root);
        var matches = ReadMatches(reading, root, facets);
        // Expectations may name outcomes that only the rules below them declare, so the rules are read
        // first; their problems are added after the expectations' to keep the document's order.
        var outcomeReading = new PolicyReading();
        var outcomes = ReadOutcomes(outcomeReading, root, facets, matches);
        var producible = BuiltInOutcomes.Concat(OutcomeNames(root)).Distinct(StringComparer.Ordinal).ToList();
        var expectations = ReadExpectations(reading, root, facets, producible);
        reading.AddRange(outcomeReading.Problems);
        var accountability = ReadAccountability(reading, root, facets);

        if (reading.HasProblems || operationType is null || graceSeconds is null)
        {
            return new PolicyReadResult(null, reading.Problems);
        }

        var policy = new TruthPolicy(
            operationType,
            graceSeconds.Value,
            facets.ToPolicies(),
            expectations,
            outcomes)
        {
            FacetOrder = [.. facets.Keys],
            Matches = matches,
            FinalAfter = finalAfter?.Duration,
            FinalAfterText = finalAfter?.Text,
            Approvals = approvals,
            Sources = sources,
            StormThreshold = stormThreshold,
            Accountability = accountability.IsEmpty ? AccountabilityPolicy.None : accountability,
        };
        return new PolicyReadResult(policy, []);
    }

    /// <summary>Every outcome name a rule gives, even in a rule with other problems, so that an
    /// expectation is not also blamed for a typo in a rule.</summary>
    private static IEnumerable<string> OutcomeNames(Dictionary<string, JsonElement> root) =>
        root.TryGetValue("outcomes", out var rules) && rules.ValueKind == JsonValueKind.Array
            ? rules.EnumerateArray()
                .Where(rule => rule.ValueKind == JsonValueKind.Object)
                .Select(rule => rule.TryGetProperty("outcome", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString()! : "")
                .Where(name => name.Length > 0)
            : [];

    /// <summary>A facet as read: its states are known even when other parts of it are wrong, so that
    /// later references to it are still checked; <c>Policy</c> is null when the facet itself is wrong.</summary>
    private sealed record FacetRead(ImmutableList<string> States, FacetPolicy? Policy)
    {
        /// <summary>The attributes as read, known even when other parts of the facet are wrong.</summary>
        public ImmutableList<DeclaredAttribute> Attributes { get; init; } = [];

        /// <summary>Every attribute name declared, including those declared wrongly (and reported).</summary>
        public ImmutableHashSet<string> AttributeNames { get; init; } = [];

        public bool HasOwner { get; init; }
    }

    /// <summary>Facets in declaration order (an ordered list of pairs, since Dictionary order is not a contract).</summary>
    private sealed class FacetTable
    {
        private readonly List<KeyValuePair<string, FacetRead>> _entries = [];

        public IEnumerable<string> Keys => _entries.Select(e => e.Key);

        public void Add(string name, FacetRead facet) => _entries.Add(new(name, facet));

        public FacetRead? Find(string name) => _entries.FirstOrDefault(e => e.Key == name).Value;

        /// <summary>The facet policies, keyed by exact (ordinal) name; only called when every facet read cleanly.</summary>
        public ImmutableDictionary<string, FacetPolicy> ToPolicies() =>
            _entries.ToImmutableDictionary(e => e.Key, e => e.Value.Policy!, StringComparer.Ordinal);
    }
}
