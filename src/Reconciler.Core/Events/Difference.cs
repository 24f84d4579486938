using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reconciler.Core.Events;

/// <summary>
/// One thing a conflict says differs: a <c>Field</c> (a state, an attribute, a signal field, an effect key, the
/// outcome) and its <c>Values</c>, each under a key (a source, or a role such as <c>first</c> or <c>expected</c>),
/// as JSON. <c>Tolerance</c> is the policy's tolerance for an attribute; <c>Facets</c> the facets a cross-facet
/// attribute match compares, in the order of <c>Values</c>.
/// </summary>
public sealed record Difference(
    string Field,
    [property: JsonConverter(typeof(DifferenceValuesJson))] ImmutableList<DifferenceValue> Values)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Tolerance { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImmutableList<string>? Facets { get; init; }

    /// <summary>A difference of text values (states, ids, names): each becomes a JSON string.</summary>
    public static Difference OfText(string field, params ReadOnlySpan<(string Key, string? Text)> values)
    {
        var list = ImmutableList.CreateBuilder<DifferenceValue>();
        foreach (var (key, text) in values)
        {
            list.Add(new DifferenceValue(key, Quote(text)));
        }

        return new Difference(field, list.ToImmutable());
    }

    /// <summary>The JSON text of a string (null for none).</summary>
    public static string Quote(string? text) => text is null ? "null" : "\"" + JsonEncodedText.Encode(text).Value + "\"";
}

/// <summary>One value of a <see cref="Difference"/>: under <c>Key</c>, the value as JSON text.</summary>
public sealed record DifferenceValue(string Key, string Json);

/// <summary>Writes the values as one JSON object (<c>{ "erp": "129.00", … }</c>) in their order, and reads it back.</summary>
public sealed class DifferenceValuesJson : JsonConverter<ImmutableList<DifferenceValue>>
{
    public override ImmutableList<DifferenceValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Expected the values of a difference as an object.");
        }

        var values = ImmutableList.CreateBuilder<DifferenceValue>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            using var value = JsonDocument.ParseValue(ref reader);
            values.Add(new DifferenceValue(key, value.RootElement.GetRawText()));
        }

        return values.ToImmutable();
    }

    public override void Write(Utf8JsonWriter writer, ImmutableList<DifferenceValue> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var v in value)
        {
            writer.WritePropertyName(v.Key);
            writer.WriteRawValue(v.Json);
        }

        writer.WriteEndObject();
    }
}
