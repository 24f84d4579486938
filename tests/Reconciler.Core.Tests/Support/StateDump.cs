using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Reconciler.Core.State;

namespace Reconciler.Core.Tests.Support;

/// <summary>
/// Every public member of a state as JSON, by reflection and with dictionaries in key order: independent of
/// the snapshot codec, so that comparing two dumps catches a field the codec forgot.
/// </summary>
public static class StateDump
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new ReportsAsList(), new KeyOrder() },
    };

    public static string Of(OperationState state) => JsonSerializer.Serialize(state, Options);

    private sealed class ReportsAsList : JsonConverter<ReportBook>
    {
        public override ReportBook Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        // As a set: the snapshot keeps each distinct report once, which answers the same questions.
        public override void Write(Utf8JsonWriter writer, ReportBook value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.All().Distinct().ToList(), options);
    }

    private sealed class KeyOrder : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(ImmutableDictionary<,>)
            && typeToConvert.GetGenericArguments()[0] == typeof(string);

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(Ordered<>).MakeGenericType(typeToConvert.GetGenericArguments()[1]))!;

        private sealed class Ordered<TValue> : JsonConverter<ImmutableDictionary<string, TValue>>
        {
            public override ImmutableDictionary<string, TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
                throw new NotSupportedException();

            public override void Write(Utf8JsonWriter writer, ImmutableDictionary<string, TValue> value, JsonSerializerOptions options)
            {
                writer.WriteStartObject();
                foreach (var key in value.Keys.Order(StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    JsonSerializer.Serialize(writer, value[key], options);
                }
                writer.WriteEndObject();
            }
        }
    }
}
