using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Reconciler.Core.Policies;

/// <summary>The policy's guards on people and sources: four-eyes <c>approvals</c>.</summary>
public static partial class PolicyReader
{
    /// <summary>The resolutions <c>approvals</c> may name, in the order they are written.</summary>
    public static readonly ImmutableList<string> ApprovableResolutions = ["accepted", "overridden", "compensated", "dismissed"];

    /// <summary>Four-eyes approval asks for at most two resolvers: the proposer and one other.</summary>
    public const int MaxApprovals = 2;

    static ImmutableDictionary<string, int> ReadApprovals(PolicyReading reading, Dictionary<string, JsonElement> root)
    {
        if (!root.TryGetValue("approvals", out var approvals))
            return ImmutableDictionary<string, int>.Empty;
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
}
