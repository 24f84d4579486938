using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Reconciler.Core.Policies;

/// <summary>
/// Writes a truth policy in the DOMAIN.md shape that <see cref="PolicyReader"/> reads:
/// facets in declaration order, each facet's transitions in the order of its states, rule
/// conditions in facet order. Optional parts are left out when they hold their default.
/// </summary>
public static partial class PolicyWriter
{
    private static readonly JsonWriterOptions Indented = new()
    {
        Indented = true,
        // Policies are read by people: keep '+' and non-ASCII names as they are.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(TruthPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Indented))
        {
            WriteTo(writer, policy);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The policy as a detached JSON element (safe to keep after this call).</summary>
    public static JsonElement ToJson(TruthPolicy policy)
    {
        using var document = JsonDocument.Parse(Write(policy));
        return document.RootElement.Clone();
    }

    public static void WriteTo(Utf8JsonWriter writer, TruthPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(policy);
        var facetOrder = policy.FacetNames.ToList();
        writer.WriteStartObject();
        writer.WriteString("operationType", policy.OperationType);
        writer.WriteNumber("graceSeconds", policy.GraceSeconds);
        if (policy.FinalAfter is { } finalAfter)
        {
            writer.WriteString("finalAfter", DurationText(policy.FinalAfterText, finalAfter));
        }

        if (!policy.Approvals.IsEmpty)
        {
            writer.WriteStartObject("approvals");
            foreach (var resolution in PolicyReader.ApprovableResolutions.Where(policy.Approvals.ContainsKey))
            {
                writer.WriteNumber(resolution, policy.Approvals[resolution]);
            }

            writer.WriteEndObject();
        }

        if (policy.StormThreshold is { } threshold)
        {
            writer.WriteNumber("stormThreshold", threshold);
        }

        if (!policy.Sources.IsEmpty)
        {
            writer.WriteStartObject("sources");
            foreach (var source in policy.Sources.Keys.Order(StringComparer.Ordinal))
            {
                writer.WriteStartObject(source);
                writer.WriteString("silentAfter", DurationText(policy.Sources[source].SilentAfterText, policy.Sources[source].SilentAfter));
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }

        writer.WriteStartObject("facets");
        foreach (var name in facetOrder)
        {
            WriteFacet(writer, name, policy.Facets[name]);
        }

        writer.WriteEndObject();

        if (!policy.Matches.IsEmpty)
        {
            writer.WriteStartArray("matches");
            foreach (var match in policy.Matches)
            {
                writer.WriteStartObject();
                writer.WriteString("attribute", match.Attribute);
                WriteStrings(writer, "facets", match.Facets);
                if (match.Tolerance is { } tolerance)
                {
                    writer.WriteString("tolerance", tolerance.Text);
                }

                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }

        writer.WriteStartArray("expectations");
        foreach (var expectation in policy.Expectations)
        {
            WriteExpectation(writer, expectation);
        }

        writer.WriteEndArray();

        writer.WriteStartArray("outcomes");
        foreach (var rule in policy.Outcomes)
        {
            writer.WriteStartObject();
            writer.WriteString("outcome", rule.Outcome);
            writer.WriteStartObject("when");
            foreach (var facet in InOrder(rule.When.Keys, facetOrder))
            {
                WriteStrings(writer, facet, rule.When[facet]);
            }

            writer.WriteEndObject();
            if (rule.RequireMatches)
            {
                writer.WriteBoolean("requireMatches", true);
            }

            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        WriteAccountability(writer, policy.Accountability, facetOrder);
        writer.WriteEndObject();
        writer.Flush();
    }

    private static void WriteFacet(Utf8JsonWriter writer, string name, FacetPolicy facet)
    {
        writer.WriteStartObject(name);
        if (facet.Owner is null)
        {
            writer.WriteNull("owner");
        }
        else
        {
            writer.WriteString("owner", facet.Owner);
        }

        WriteStrings(writer, "states", facet.States);
        if (facet.HasTransitions)
        {
            writer.WriteStartObject("transitions");
            foreach (var from in InOrder(facet.Transitions.Keys, facet.States))
            {
                WriteStrings(writer, from, facet.Transitions[from]);
            }

            writer.WriteEndObject();
        }
        if (facet.GraceSeconds is { } grace)
        {
            writer.WriteNumber("graceSeconds", grace);
        }

        if (facet.Effect == FacetEffect.Once)
        {
            writer.WriteString("effect", "once");
        }

        if (!facet.Attributes.IsEmpty)
        {
            writer.WriteStartObject("attributes");
            foreach (var attribute in facet.Attributes)
            {
                writer.WriteStartObject(attribute.Name);
                writer.WriteString("type", PolicyReader.TypeName(attribute.Type));
                if (attribute.Tolerance is { } tolerance)
                {
                    writer.WriteString("tolerance", tolerance.Text);
                }

                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    private static void WriteExpectation(Utf8JsonWriter writer, Expectation expectation)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("when");
        writer.WriteString("facet", expectation.When.Facet);
        writer.WriteString("state", expectation.When.State);
        writer.WriteEndObject();
        writer.WriteStartObject("expect");
        if (expectation.Expect.IsOutcome)
        {
            writer.WriteString("outcome", expectation.Expect.Outcome);
        }
        else
        {
            writer.WriteString("facet", expectation.Expect.Facet);
            writer.WriteString("state", expectation.Expect.State);
        }
        writer.WriteEndObject();
        writer.WriteString("within", DurationText(expectation.WithinText, expectation.Within));
        writer.WriteEndObject();
    }

    // Keep the author's spelling of a duration when it still says the same thing.
    private static string DurationText(string? text, TimeSpan value) =>
        IsoDuration.TryParse(text, out var parsed) && parsed == value ? text! : IsoDuration.Format(value);

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>The keys in the order of <paramref name="order"/>, then any others in ordinal order.</summary>
    private static IEnumerable<string> InOrder(IEnumerable<string> keys, IEnumerable<string> order)
    {
        var set = keys.ToHashSet(StringComparer.Ordinal);
        var ordered = order.Where(set.Contains).Distinct(StringComparer.Ordinal).ToList();
        return ordered.Concat(set.Except(ordered).Order(StringComparer.Ordinal));
    }
}
