using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Reconciler.Store.Writing;

/// <summary>Who caused an event: the signal's source and id with its correlation ids, or the operator; null members are left out.</summary>
public sealed record EventMetadata(string? Source, string? SignalId, string? CorrelationId, string? CausationId, string? Operator)
{
    /// <summary>Which inbound mapping version, and which delivery or import row, made the signal (docs/inbound.md); null for a signal sent as JSON.</summary>
    public Reconciler.Core.Judging.SignalOrigin? Origin { get; init; }

    public static EventMetadata None { get; } = new(null, null, null, null, null);

    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Json)? _writer;

    /// <summary>The metadata column: the event's policy version and the members that are set, as camelCase JSON.</summary>
    public string ToJson(int policyVersion) => Encoding.UTF8.GetString(ToUtf8Json(policyVersion));

    /// <summary>The same as UTF-8 bytes, written through one reused writer per thread (one per event of every write).</summary>
    public byte[] ToUtf8Json(int policyVersion)
    {
        var (buffer, json) = _writer ??= (new ArrayBufferWriter<byte>(256), new Utf8JsonWriter(Stream.Null));
        buffer.ResetWrittenCount();
        json.Reset(buffer);
        json.WriteStartObject();
        json.WriteNumber("policyVersion", policyVersion);
        Write(json, "source", Source);
        Write(json, "signalId", SignalId);
        Write(json, "correlationId", CorrelationId);
        Write(json, "causationId", CausationId);
        Write(json, "operator", Operator);
        if (Origin is { } origin)
        {
            json.WriteStartObject("inbound");
            json.WriteNumber("mappingVersion", origin.MappingVersion);
            WriteNumber(json, "delivery", origin.DeliveryId);
            WriteNumber(json, "import", origin.ImportId);
            WriteNumber(json, "row", origin.Row);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
    }

    private static void Write(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
