using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Reconciler.Core.Policies;

/// <summary>The policy's guards on people and sources: four-eyes <c>approvals</c>, when each source counts as silent (<c>sources</c>),
/// and how many conflicts of one kind a minute make a storm (<c>stormThreshold</c>).</summary>
public static partial class PolicyReader
{
    /// <summary>The resolutions <c>approvals</c> may name, in the order they are written.</summary>
    public static readonly ImmutableList<string> ApprovableResolutions = ["accepted", "overridden", "compensated", "dismissed"];

    /// <summary>Four-eyes approval asks for at most two resolvers: the proposer and one other.</summary>
    public const int MaxApprovals = 2;

    private static ImmutableDictionary<string, int> ReadApprovals(PolicyReading reading, Dictionary<string, JsonElement> root)
    {
        if (!root.TryGetValue("approvals", out var approvals))
        {
            return ImmutableDictionary<string, int>.Empty;
        }

        if (approvals.ValueKind != JsonValueKind.Object)
        {
            reading.Add("approvals", $"must be an object such as {{ \"overridden\": 2 }}, not {PolicyReading.Kind(approvals)}");
            return ImmutableDictionary<string, int>.Empty;
        }

        var result = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        foreach (var (resolution, value) in reading.Properties(approvals, "approvals", [.. ApprovableResolutions]))
        {
            var at = PolicyReading.Child("approvals", resolution);
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var count) || count < 1 || count > MaxApprovals)
            {
                reading.Add(at, $"must be 1 (one resolver) or {MaxApprovals.ToString(CultureInfo.InvariantCulture)} (a second resolver approves), not {value.GetRawText()}");
                continue;
            }

            result[resolution] = count;
        }

        return result.ToImmutable();
    }

    private static int? ReadStormThreshold(PolicyReading reading, Dictionary<string, JsonElement> root)
    {
        if (!root.TryGetValue("stormThreshold", out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var threshold) && threshold >= 1)
        {
            return threshold;
        }

        reading.Add("stormThreshold", $"must be a whole number of conflicts a minute, 1 or more (default {TruthPolicy.DefaultStormThreshold.ToString(CultureInfo.InvariantCulture)}), not {value.GetRawText()}");
        return null;
    }

    private static ImmutableDictionary<string, SourcePolicy> ReadSources(PolicyReading reading, Dictionary<string, JsonElement> root)
    {
        var result = ImmutableDictionary.CreateBuilder<string, SourcePolicy>(StringComparer.Ordinal);
        if (!root.TryGetValue("sources", out var sources))
        {
            return result.ToImmutable();
        }

        if (sources.ValueKind != JsonValueKind.Object)
        {
            reading.Add("sources", $"must be an object such as {{ \"erp\": {{ \"silentAfter\": \"PT5M\" }} }}, not {PolicyReading.Kind(sources)}");
            return result.ToImmutable();
        }

        foreach (var property in sources.EnumerateObject())
        {
            var at = PolicyReading.Child("sources", property.Name);
            if (string.IsNullOrWhiteSpace(property.Name) || property.Name.Trim() != property.Name)
            {
                reading.Add(at, "name a source as its keys send it: not blank, no surrounding spaces");
                continue;
            }
            if (result.ContainsKey(property.Name))
            {
                reading.Add(at, "is repeated: give each source once");
                continue;
            }
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                reading.Add(at, $"must be an object {{ \"silentAfter\": \"PT5M\" }}, not {PolicyReading.Kind(property.Value)}");
                continue;
            }

            var rule = reading.Properties(property.Value, at, "silentAfter");
            if (ReadDuration(reading, rule, at, "silentAfter", "an ISO-8601 duration such as PT5M") is { } silentAfter)
            {
                result[property.Name] = new SourcePolicy(silentAfter.Duration, silentAfter.Text);
            }
        }

        return result.ToImmutable();
    }
}
