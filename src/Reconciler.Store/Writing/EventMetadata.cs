using System.Text;
using System.Text.Json;

namespace Reconciler.Store.Writing;

/// <summary>Who caused an event: the signal's source and id with its correlation ids, or the operator; null members are left out.</summary>
public sealed record EventMetadata(string? Source, string? SignalId, string? CorrelationId, string? CausationId, string? Operator)
{
    public static EventMetadata None { get; } = new(null, null, null, null, null);

    /// <summary>The metadata column: the event's policy version and the members that are set, as camelCase JSON.</summary>
    public string ToJson(int policyVersion)
    {
        using var buffer = new MemoryStream(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("policyVersion", policyVersion);
            Write(json, "source", Source);
            Write(json, "signalId", SignalId);
            Write(json, "correlationId", CorrelationId);
            Write(json, "causationId", CausationId);
            Write(json, "operator", Operator);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Write(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
