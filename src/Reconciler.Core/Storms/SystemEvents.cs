using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Reconciler.Core.Storms;

/// <summary>
/// An event of the system stream (<c>$system</c>): what the engine observed across operations, not about one of them.
/// Like operation events these are the storage format: add types, never edit old ones.
/// </summary>
public abstract record SystemEvent
{
    public required DateTimeOffset At { get; init; }
}

/// <summary>One operation type opened more than <c>Threshold</c> conflicts of one kind within a minute: a storm.
/// <c>Count</c>: the conflicts of that kind counted in the minute that raised it; <c>Sources</c>: the sources involved.</summary>
public sealed record ConflictStormStarted(string StormId, string OperationType, string Kind, long Count, int Threshold, ImmutableList<string> Sources) : SystemEvent;

/// <summary>The storm's notification, at most once a minute while it lasts and grows: <c>Count</c> so far, <c>Since</c> the last one.</summary>
public sealed record ConflictStormContinued(string StormId, string OperationType, string Kind, long Count, long Since, ImmutableList<string> Sources) : SystemEvent;

/// <summary>The rate stayed below the threshold for five minutes: the storm is over, its conflicts counted in <c>Count</c>.</summary>
public sealed record ConflictStormEnded(string StormId, string OperationType, string Kind, long Count, DateTimeOffset StartedAt, ImmutableList<string> Sources) : SystemEvent;

/// <summary>The stored type names and JSON of system events (explicit names, camelCase, generated code).</summary>
public static class SystemEventCodec
{
    public const string StreamId = "$system";

    private static readonly FrozenDictionary<string, JsonTypeInfo> Types = new Dictionary<string, JsonTypeInfo>
    {
        ["ConflictStormStarted"] = SystemEventJson.Default.ConflictStormStarted,
        ["ConflictStormContinued"] = SystemEventJson.Default.ConflictStormContinued,
        ["ConflictStormEnded"] = SystemEventJson.Default.ConflictStormEnded,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IReadOnlyCollection<string> TypeNames => Types.Keys;

    public static string TypeName(SystemEvent e) => e switch
    {
        ConflictStormStarted => "ConflictStormStarted",
        ConflictStormContinued => "ConflictStormContinued",
        ConflictStormEnded => "ConflictStormEnded",
        null => throw new ArgumentNullException(nameof(e)),
        _ => throw new ArgumentException($"No stored type name for {e.GetType().Name}.", nameof(e)),
    };

    public static string Serialize(SystemEvent e) => JsonSerializer.Serialize(e, Types[TypeName(e)]);

    public static SystemEvent Deserialize(string typeName, string json) =>
        (SystemEvent?)JsonSerializer.Deserialize(json, Types.TryGetValue(typeName, out var type) ? type : throw new ArgumentException($"Unknown system event type '{typeName}'.", nameof(typeName)))
        ?? throw new JsonException($"Event data of '{typeName}' is null.");
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ConflictStormStarted))]
[JsonSerializable(typeof(ConflictStormContinued))]
[JsonSerializable(typeof(ConflictStormEnded))]
internal sealed partial class SystemEventJson : JsonSerializerContext;
