using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reconciler.Core.Events;

/// <summary>The storage format of events: an explicit type-name map (never CLR names) and camelCase JSON data.</summary>
public static class EventCodec
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new OrdinalKeyOrderConverter() },
    };

    private static readonly FrozenDictionary<string, Type> Types = new Dictionary<string, Type>
    {
        ["SignalReceived"] = typeof(SignalReceived),
        ["SignalDuplicated"] = typeof(SignalDuplicated),
        ["ConflictOpened"] = typeof(ConflictOpened),
        ["ConflictResolved"] = typeof(ConflictResolved),
        ["DivergenceStarted"] = typeof(DivergenceStarted),
        ["DivergenceEnded"] = typeof(DivergenceEnded),
        ["ExpectationArmed"] = typeof(ExpectationArmed),
        ["ExpectationMet"] = typeof(ExpectationMet),
        ["ExpectationWithdrawn"] = typeof(ExpectationWithdrawn),
        ["DeadlinePassed"] = typeof(DeadlinePassed),
        ["OutcomeDeclared"] = typeof(OutcomeDeclared),
        ["OperatorResolved"] = typeof(OperatorResolved),
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
        null => throw new ArgumentNullException(nameof(e)),
        _ => throw new ArgumentException($"No stored type name for {e.GetType().Name}.", nameof(e)),
    };

    public static string Serialize(OperationEvent e) =>
        JsonSerializer.Serialize(e, Types[TypeName(e)], Options);

    public static OperationEvent Deserialize(string typeName, string json)
    {
        if (!Types.TryGetValue(typeName, out var type))
        {
            throw new ArgumentException($"Unknown event type '{typeName}'.", nameof(typeName));
        }

        return (OperationEvent?)JsonSerializer.Deserialize(json, type, Options)
            ?? throw new JsonException($"Event data of '{typeName}' is null.");
    }
}
