using System.Text.Json;

namespace Reconciler.Responses;

/// <summary>One line per stored event, as the CLI's replay table and the console's timeline both print it (event data as the API shows it).</summary>
public static class EventLines
{
    /// <summary>
    /// Which inbound mapping made a signal, from its event's metadata (docs/inbound.md, "Provenance"):
    /// "via inbound v3, delivery 41" or "via inbound v1, import 7 row 2"; empty for a signal sent as JSON.
    /// </summary>
    public static string Via(JsonElement? metadata)
    {
        if (metadata is not { ValueKind: JsonValueKind.Object } m || !m.TryGetProperty("inbound", out var inbound) || inbound.ValueKind != JsonValueKind.Object)
        {
            return "";
        }
        var from = Text(inbound, "delivery") is { Length: > 0 } delivery ? $"delivery {delivery}"
            : $"import {Text(inbound, "import")} row {Text(inbound, "row")}";
        return $"via inbound v{Text(inbound, "mappingVersion")}, {from}";
    }

    /// <summary>One line per event type: what the engine decided or observed.</summary>
    public static string Decision(string type, JsonElement data) => type switch
    {
        "SignalReceived" => "received",
        "SignalDuplicated" => "duplicate (not applied)",
        "SignalRejudged" => $"re-judged under policy version {Text(data, "policyVersion")}: "
            + (Text(data, "applied") == "true" ? "applied" : "not applied") + $" ({Text(data, "judgement")})",
        "ConflictOpened" => $"conflict opened: {Text(data, "kind")} on {Or(Text(data, "facet"), "-")} ({Text(data, "severity")}) {Text(data, "conflictId")}",
        "ConflictResolved" => $"conflict resolved: {Text(data, "kind")} {Text(data, "resolution")} {Text(data, "conflictId")}",
        "DeadlinePassed" => $"deadline passed: {Text(data, "deadlineKind")} {Text(data, "subject")} {Text(data, "facet")}".TrimEnd(),
        "OutcomeDeclared" => $"outcome: {Text(data, "previousOutcome")} -> {Text(data, "outcome")}"
            + (Text(data, "finality") is { Length: > 0 } finality ? $" ({finality})" : ""),
        "OutcomeRetracted" => $"outcome retracted: {Text(data, "outcome")} ({Text(data, "finality")}) by {Text(data, "causedBy")}: {Text(data, "reason")}",
        "OutcomeFinalized" => $"outcome final: {Text(data, "outcome")}",
        "OperatorResolved" => $"operator {Text(data, "resolvedBy")}: {Text(data, "resolution")} ({Text(data, "reason")})"
            + (Text(data, "approvedBy") is { Length: > 0 } approver ? $", approved by {approver} ({Text(data, "approvalReason")})" : ""),
        "ResolutionProposed" => $"{Text(data, "proposedBy")} proposed {Text(data, "resolution")} ({Text(data, "reason")}); needs a second resolver",
        "ResolutionRejected" => $"{Text(data, "rejectedBy")} rejected {Text(data, "proposedBy")}'s {Text(data, "resolution")} ({Text(data, "reason")})",
        "ResolutionLapsed" => $"{Text(data, "proposedBy")}'s {Text(data, "resolution")} lapsed: {Text(data, "reason")}",
        _ => type,
    };

    private static string Or(string value, string fallback) => value.Length > 0 ? value : fallback;

    // A property as text: a string as is, anything else as its JSON, absent or null as "".
    private static string Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText()
            : "";
}
