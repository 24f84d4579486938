using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reconciler.Core.Events;

/// <summary>
/// Writes string-keyed immutable dictionaries with their keys in ordinal order. Their own order follows
/// string hashes, which .NET randomises per process: without this the same state or event would be
/// written differently by two processes, and a snapshot could not be compared byte for byte.
/// </summary>
public sealed class OrdinalKeyOrderConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType
        && typeToConvert.GetGenericTypeDefinition() == typeof(ImmutableDictionary<,>)
        && typeToConvert.GetGenericArguments()[0] == typeof(string);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert.GetGenericArguments()[1]))!;

    private sealed class Converter<TValue> : JsonConverter<ImmutableDictionary<string, TValue>>
    {
        public override ImmutableDictionary<string, TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            JsonSerializer.Deserialize<Dictionary<string, TValue>>(ref reader, options)?.ToImmutableDictionary()
            ?? ImmutableDictionary<string, TValue>.Empty;

        public override void Write(Utf8JsonWriter writer, ImmutableDictionary<string, TValue> value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            foreach (var key in value.Keys.Order(StringComparer.Ordinal))
            {
                writer.WritePropertyName(options.DictionaryKeyPolicy?.ConvertName(key) ?? key);
                JsonSerializer.Serialize(writer, value[key], options);
            }
            writer.WriteEndObject();
        }
    }
}
