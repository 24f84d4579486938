using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Reconciler.Core.Events;

/// <summary>
/// The storage format of events: an explicit type-name map (never CLR names) and camelCase JSON data,
/// written and read by source-generated code (no reflection per event).
/// </summary>
public static class EventCodec
{
    private static readonly FrozenDictionary<string, JsonTypeInfo> Types = new Dictionary<string, JsonTypeInfo>
    {
        ["SignalReceived"] = EventJson.Default.SignalReceived,
        ["SignalDuplicated"] = EventJson.Default.SignalDuplicated,
        ["ConflictOpened"] = EventJson.Default.ConflictOpened,
        ["ConflictResolved"] = EventJson.Default.ConflictResolved,
        ["DivergenceStarted"] = EventJson.Default.DivergenceStarted,
        ["DivergenceEnded"] = EventJson.Default.DivergenceEnded,
        ["ExpectationArmed"] = EventJson.Default.ExpectationArmed,
        ["ExpectationMet"] = EventJson.Default.ExpectationMet,
        ["ExpectationWithdrawn"] = EventJson.Default.ExpectationWithdrawn,
        ["DeadlinePassed"] = EventJson.Default.DeadlinePassed,
        ["OutcomeDeclared"] = EventJson.Default.OutcomeDeclared,
        ["OperatorResolved"] = EventJson.Default.OperatorResolved,
        ["OutcomeRetracted"] = EventJson.Default.OutcomeRetracted,
        ["OutcomeFinalized"] = EventJson.Default.OutcomeFinalized,
        ["ResolutionProposed"] = EventJson.Default.ResolutionProposed,
        ["ResolutionRejected"] = EventJson.Default.ResolutionRejected,
        ["ResolutionLapsed"] = EventJson.Default.ResolutionLapsed,
        ["SignalRejudged"] = EventJson.Default.SignalRejudged,
        ["FinishClockStarted"] = EventJson.Default.FinishClockStarted,
        ["ConflictAcknowledged"] = EventJson.Default.ConflictAcknowledged,
        ["ConflictSnoozed"] = EventJson.Default.ConflictSnoozed,
        ["ConflictAssigned"] = EventJson.Default.ConflictAssigned,
        ["ConflictOverdue"] = EventJson.Default.ConflictOverdue,
        ["ConflictEscalated"] = EventJson.Default.ConflictEscalated,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IReadOnlyCollection<string> TypeNames => Types.Keys;

    public static string TypeName(OperationEvent e) => e switch
    {
        SignalReceived => "SignalReceived",
        SignalDuplicated => "SignalDuplicated",
        ConflictOpened => "ConflictOpened",
        ConflictResolved => "ConflictResolved",
        DivergenceStarted => "DivergenceStarted",
        DivergenceEnded => "DivergenceEnded",
        ExpectationArmed => "ExpectationArmed",
        ExpectationMet => "ExpectationMet",
        ExpectationWithdrawn => "ExpectationWithdrawn",
        DeadlinePassed => "DeadlinePassed",
        OutcomeDeclared => "OutcomeDeclared",
        OperatorResolved => "OperatorResolved",
        OutcomeRetracted => "OutcomeRetracted",
        OutcomeFinalized => "OutcomeFinalized",
        ResolutionProposed => "ResolutionProposed",
        ResolutionRejected => "ResolutionRejected",
        ResolutionLapsed => "ResolutionLapsed",
        SignalRejudged => "SignalRejudged",
        FinishClockStarted => "FinishClockStarted",
        ConflictAcknowledged => "ConflictAcknowledged",
        ConflictSnoozed => "ConflictSnoozed",
        ConflictAssigned => "ConflictAssigned",
        ConflictOverdue => "ConflictOverdue",
        ConflictEscalated => "ConflictEscalated",
        null => throw new ArgumentNullException(nameof(e)),
        _ => throw new ArgumentException($"No stored type name for {e.GetType().Name}.", nameof(e)),
    };

    public static string Serialize(OperationEvent e) => JsonSerializer.Serialize(e, Types[TypeName(e)]);

    /// <summary>The same JSON as UTF-8 bytes, as the store writes it (no UTF-16 string on the way).</summary>
    public static byte[] SerializeToUtf8Bytes(OperationEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, Types[TypeName(e)]);

    public static OperationEvent Deserialize(string typeName, string json) =>
        (OperationEvent?)JsonSerializer.Deserialize(json, TypeInfo(typeName)) ?? throw new JsonException($"Event data of '{typeName}' is null.");

    public static OperationEvent Deserialize(string typeName, ReadOnlySpan<byte> utf8Json) =>
        (OperationEvent?)JsonSerializer.Deserialize(utf8Json, TypeInfo(typeName)) ?? throw new JsonException($"Event data of '{typeName}' is null.");

    private static JsonTypeInfo TypeInfo(string typeName) =>
        Types.TryGetValue(typeName, out var type) ? type : throw new ArgumentException($"Unknown event type '{typeName}'.", nameof(typeName));
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SignalReceived))]
[JsonSerializable(typeof(SignalDuplicated))]
[JsonSerializable(typeof(ConflictOpened))]
[JsonSerializable(typeof(ConflictResolved))]
[JsonSerializable(typeof(DivergenceStarted))]
[JsonSerializable(typeof(DivergenceEnded))]
[JsonSerializable(typeof(ExpectationArmed))]
[JsonSerializable(typeof(ExpectationMet))]
[JsonSerializable(typeof(ExpectationWithdrawn))]
[JsonSerializable(typeof(DeadlinePassed))]
[JsonSerializable(typeof(OutcomeDeclared))]
[JsonSerializable(typeof(OperatorResolved))]
[JsonSerializable(typeof(OutcomeRetracted))]
[JsonSerializable(typeof(OutcomeFinalized))]
[JsonSerializable(typeof(ResolutionProposed))]
[JsonSerializable(typeof(ResolutionRejected))]
[JsonSerializable(typeof(ResolutionLapsed))]
[JsonSerializable(typeof(SignalRejudged))]
[JsonSerializable(typeof(FinishClockStarted))]
[JsonSerializable(typeof(ConflictAcknowledged))]
[JsonSerializable(typeof(ConflictSnoozed))]
[JsonSerializable(typeof(ConflictAssigned))]
[JsonSerializable(typeof(ConflictOverdue))]
[JsonSerializable(typeof(ConflictEscalated))]
internal sealed partial class EventJson : JsonSerializerContext;

/// <summary>
/// Writes string-keyed dictionaries (an outcome's facet states) with their keys in ordinal order: their own
/// order follows string hashes, which .NET randomises per process, so the same event would otherwise be
/// written differently by two processes.
/// </summary>
internal sealed class OrdinalKeyOrder : JsonConverter<ImmutableDictionary<string, string>>
{
    public override ImmutableDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Expected an object of strings.");
        }

        var builder = ImmutableDictionary.CreateBuilder<string, string>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            builder[key] = reader.GetString()!;
        }

        return builder.ToImmutable();
    }

    public override void Write(Utf8JsonWriter writer, ImmutableDictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var key in value.Keys.Order(StringComparer.Ordinal))
        {
            writer.WriteString(key, value[key]);
        }

        writer.WriteEndObject();
    }
}
