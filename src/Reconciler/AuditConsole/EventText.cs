using System.Globalization;
using System.Text.Json;
using Reconciler.Responses;
using static Reconciler.AuditConsole.Records;

namespace Reconciler.AuditConsole;

/// <summary>One line saying what an event of a stream records, for the timeline, the event list and the evidence.</summary>
public static class EventText
{
    public static string Describe(string type, JsonElement data) => type switch
    {
        "SignalReceived" => $"{Text(data, "source")}: {Text(data, "facet")} = {Text(data, "state")} ({Text(data, "signalId")}) — " +
            (Text(data, "applied") == "true" ? Judged(data, "applied") : Judged(data, "recorded, not applied")),
        "SignalRejudged" => $"{Text(data, "source")}: {Text(data, "facet")} = {Text(data, "state")} ({Text(data, "signalId")}, received at v{Text(data, "receivedVersion")}) " +
            $"re-judged under policy version {Text(data, "policyVersion")} — " +
            (Text(data, "applied") == "true" ? Judged(data, "applied") : Judged(data, "recorded, not applied")),
        "SignalDuplicated" => $"{Text(data, "source")} sent {Text(data, "signalId")} again — " +
            (Text(data, "sameContent") == "false" ? "same id, other content" : "duplicate, absorbed"),
        "ExpectationArmed" => $"expectation #{Text(data, "expectationIndex")} armed: " +
            (Text(data, "expectOutcome") is { Length: > 0 } outcome ? $"outcome {outcome}" : $"{Text(data, "expectFacet")} = {Text(data, "expectState")}") +
            $" due {Clock(data, "due")}",
        "ExpectationMet" => $"expectation #{Text(data, "expectationIndex")} met",
        "ExpectationWithdrawn" => $"expectation #{Text(data, "expectationIndex")} withdrawn: {Text(data, "reason")}",
        "DivergenceStarted" => $"{Text(data, "facet")}: {string.Join(", ", List(data, "sources"))} disagree ({string.Join(" vs ", List(data, "states"))}); grace until {Clock(data, "due")}",
        "DivergenceEnded" => $"{Text(data, "facet")}: agree again inside the grace window",
        _ => EventLines.Decision(type, data),
    };

    private static string Judged(JsonElement data, string what) =>
        Text(data, "judgement") is { Length: > 0 } judgement and not "fresh" ? $"{what} ({judgement})" : what;

    private static string Clock(JsonElement data, string name) =>
        Time(data, name) is { } time ? time.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) : "?";
}
