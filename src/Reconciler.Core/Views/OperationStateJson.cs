using System.Text.Json;
using Reconciler.Core.Events;

namespace Reconciler.Core.Views;

/// <summary>The snapshot of an operation's state the server keeps in its projection row (camelCase JSON).</summary>
public static class OperationStateJson
{
    public static string Serialize(OperationState s) => JsonSerializer.Serialize(s, EventCodec.Options);

    public static OperationState Deserialize(string json) =>
        JsonSerializer.Deserialize<OperationState>(json, EventCodec.Options)
        ?? throw new JsonException("The operation state snapshot is null.");
}
