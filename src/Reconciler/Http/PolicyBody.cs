using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Core.Policies;
using Reconciler.Http;

namespace Reconciler.Http;

/// <summary>A policy in a request body, as <c>PUT /v1/policies/{type}</c> and what-if take it.</summary>
public static class PolicyBody
{
    /// <summary>
    /// Reads and validates the policy for <paramref name="operationType"/>: what GET returns may be sent back
    /// as it is (its version and createdAt are ignored), and a missing operationType means that one.
    /// Returns the policy, or a 422 problem listing every problem with its path.
    /// </summary>
    public static (TruthPolicy? Policy, IResult? Problem) Read(JsonElement body, string operationType, string typeOrigin)
    {
        var (policy, problems) = ReadWithProblems(body, operationType, typeOrigin);
        return policy is not null ? (policy, null) : (null, Invalid(problems));
    }

    /// <summary>As <see cref="Read"/>, with the problems themselves (the console lists them beside the form).</summary>
    public static (TruthPolicy? Policy, IReadOnlyList<PolicyProblem> Problems) ReadWithProblems(JsonElement body, string operationType, string typeOrigin)
    {
        var json = JsonNode.Parse(body.GetRawText())!.AsObject();
        json.Remove("version");
        json.Remove("createdAt");
        if (json["operationType"] is null)
        {
            json["operationType"] = operationType;
        }
        else if (json["operationType"] is JsonValue value && value.TryGetValue(out string? named) && named != operationType)
        {
            return (null, [new PolicyProblem("operationType", $"'{named}' differs from {typeOrigin} '{operationType}'; make them equal or leave the field out.")]);
        }
        var read = PolicyReader.Read(json.ToJsonString());
        return read.IsValid ? (read.Policy, []) : (null, read.Problems);
    }

    private static IResult Invalid(IReadOnlyList<PolicyProblem> problems) =>
        Problems.Result(
            StatusCodes.Status422UnprocessableEntity,
            "invalid-policy",
            "The policy is not valid",
            $"{problems.Count} problem(s): " + string.Join("; ", problems.Select(p => $"{p.Path}: {p.Message}")),
            new Dictionary<string, object?> { ["errors"] = problems.Select(p => new { path = p.Path, message = p.Message }).ToArray() });
}
