using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Reconciler.Conflicts;

/// <summary>
/// A conflict's <c>differences</c> (JSON, as the API returns them) as one readable line, for the CSV export and the
/// console: each <c>field: key=value, …</c>, with <c>(tolerance t)</c> and <c>[facets]</c> when given, joined by "; ".
/// Text values appear as text, other values as JSON, a missing one as <c>none</c>; e.g.
/// <c>amount: payment-gateway=129.90, erp=129.00 (tolerance 0.5%) [payment, ledger]</c>.
/// </summary>
public static class DifferencesText
{
    public static string Of(JsonElement differences)
    {
        if (differences.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var difference in differences.EnumerateArray())
        {
            if (text.Length > 0)
            {
                text.Append("; ");
            }
            text.Append(difference.GetProperty("field").GetString()).Append(": ");
            var first = true;
            foreach (var value in difference.GetProperty("values").EnumerateObject())
            {
                text.Append(first ? "" : ", ").Append(value.Name).Append('=').Append(Value(value.Value));
                first = false;
            }
            if (difference.TryGetProperty("tolerance", out var tolerance) && tolerance.ValueKind == JsonValueKind.String)
            {
                text.Append(" (tolerance ").Append(tolerance.GetString()).Append(')');
            }
            if (difference.TryGetProperty("facets", out var facets) && facets.ValueKind == JsonValueKind.Array)
            {
                text.Append(" [").Append(string.Join(", ", facets.EnumerateArray().Select(f => f.GetString()))).Append(']');
            }
        }
        return text.ToString();
    }

    /// <summary>The differences of a conflict record (its <c>differences</c> property), or "" when it has none.</summary>
    public static string OfRecord(JsonElement record) =>
        record.TryGetProperty("differences", out var differences) ? Of(differences) : "";

    private static string Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => "none",
        _ => Compact(value),
    };

    // Objects and arrays as compact JSON, whatever spacing the stored record has (jsonb adds some), text unescaped.
    private static string Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            value.WriteTo(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
