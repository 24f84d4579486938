using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reconciler.Cli;

/// <summary>
/// A scripted story from <c>samples/&lt;story&gt;/story.json</c>: its policy file and the steps, each either a signal
/// sent by one source or a pause (an outage, a grace window running out). The samples are the single source of truth.
/// </summary>
public sealed record DemoStory(string Title, string OperationId, string OperationType, string PolicyJson, IReadOnlyList<DemoStep> Steps)
{
    public static readonly string[] SampleFolders = ["order-fulfilment", "streaming-entitlements"];

    public IEnumerable<string> Sources => Steps.Select(s => s.Source).OfType<string>().Distinct(StringComparer.Ordinal);

    public static DemoStory Load(string folder)
    {
        var story = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "story.json")))!.AsObject();
        var operationId = (string)story["operationId"]!;
        var operationType = (string)story["operationType"]!;
        var policyJson = PolicyFile.ReadAsJson(Path.Combine(folder, (string?)story["policy"] ?? "policy.json"));
        var steps = new List<DemoStep>();
        foreach (var node in story["steps"]!.AsArray())
        {
            var step = node!.AsObject();
            var note = (string?)step["note"] ?? "";
            if (step["signal"] is JsonObject signal)
            {
                var body = (JsonObject)signal.DeepClone();
                body["operationId"] = operationId;
                body["operationType"] = operationType;
                steps.Add(new DemoStep(note, (string)step["source"]!, body.ToJsonString(), null));
            }
            else
            {
                steps.Add(new DemoStep(note, null, null, TimeSpan.FromSeconds((double?)step["waitSeconds"] ?? 1)));
            }
        }
        return new DemoStory((string?)story["title"] ?? operationId, operationId, operationType, policyJson, steps);
    }

    /// <summary>The samples folder: next to the executable (copied at build), else found upwards from the working folder.</summary>
    public static string FindSamples()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "samples");
        if (Directory.Exists(Path.Combine(beside, SampleFolders[0])))
        {
            return beside;
        }
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples");
            if (Directory.Exists(Path.Combine(candidate, SampleFolders[0])))
            {
                return candidate;
            }
        }
        throw new ServerCallException("cannot find the samples folder (samples/order-fulfilment) beside the executable or above the working folder");
    }
}

/// <summary>One step: a signal (Source and SignalJson) or a pause (Wait).</summary>
public sealed record DemoStep(string Note, string? Source, string? SignalJson, TimeSpan? Wait)
{
    public string Describe()
    {
        if (SignalJson is null)
        {
            return "";
        }
        var signal = JsonDocument.Parse(SignalJson).RootElement;
        return $"{Source} → {ServerClient.Text(signal, "facet")} = {ServerClient.Text(signal, "state")} ({ServerClient.Text(signal, "signalId")})";
    }
}
