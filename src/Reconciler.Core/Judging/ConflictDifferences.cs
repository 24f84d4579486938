using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Reconciler.Core.Events;

namespace Reconciler.Core.Judging;

/// <summary>
/// The <see cref="Difference"/>s each kind of conflict records: states by source, attribute values with their
/// tolerance, the signal fields a reused signal id changed, the expected state and its deadline, effect keys.
/// </summary>
internal static class ConflictDifferences
{
    public const string First = "first";
    public const string Second = "second";
    public const string Expected = "expected";

    /// <summary>One difference of text values.</summary>
    public static ImmutableList<Difference> Of(string field, params ReadOnlySpan<(string Key, string? Text)> values) =>
        [Difference.OfText(field, values)];

    /// <summary>An instant as JSON, written as the API writes times.</summary>
    public static string Time(DateTimeOffset time)
    {
        var buffer = new ArrayBufferWriter<byte>(48);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStringValue(time);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The signal fields that differ between the first signal under an id and a later one with other content.</summary>
    public static ImmutableList<Difference> ChangedFields(Signal first, Signal second)
    {
        var changed = ImmutableList.CreateBuilder<Difference>();
        void Compare(string field, string? a, string? b, Func<string?, string> json)
        {
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                changed.Add(new Difference(field, [new(First, json(a)), new(Second, json(b))]));
            }
        }

        Compare("facet", first.Facet, second.Facet, Difference.Quote);
        Compare("state", first.State, second.State, Difference.Quote);
        if (first.ObservedAt?.UtcTicks != second.ObservedAt?.UtcTicks)
        {
            // The content hash counts the instant, not its offset.
            Compare("observedAt", first.ObservedAt is { } a ? Time(a) : null, second.ObservedAt is { } b ? Time(b) : null, Raw);
        }

        Compare("sourceSequence", first.SourceSequence is { } x ? Number(x) : null, second.SourceSequence is { } y ? Number(y) : null, Raw);
        Compare("effectKey", first.EffectKey, second.EffectKey, Difference.Quote);
        Compare("attributes", first.AttributesJson, second.AttributesJson, Raw);
        Compare("correlationId", first.CorrelationId, second.CorrelationId, Difference.Quote);
        Compare("causationId", first.CausationId, second.CausationId, Difference.Quote);
        return changed.ToImmutable();
    }

    // Already JSON (or absent).
    private static string Raw(string? json) => json ?? "null";
}
