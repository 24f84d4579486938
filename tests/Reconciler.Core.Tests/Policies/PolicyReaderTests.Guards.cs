using System.Text.Json.Nodes;
using Reconciler.Core.Policies;
using static Reconciler.Core.Tests.Policies.PolicySamples;

namespace Reconciler.Core.Tests.Policies;

/// <summary>The guards of a policy: four-eyes <c>approvals</c>.</summary>
public sealed partial class PolicyReaderTests
{
    [Fact]
    public void Given_approvals_when_read_and_written_then_they_round_trip_and_unlisted_resolutions_need_one()
    {
        var result = ReadOrderWith(root => root["approvals"] = new JsonObject { ["overridden"] = 2, ["accepted"] = 1 });

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        var policy = result.Policy!;
        Assert.Equal((2, 1, 1), (policy.ApprovalsFor("overridden"), policy.ApprovalsFor("accepted"), policy.ApprovalsFor("dismissed")));
        var again = PolicyReader.Read(PolicyWriter.Write(policy)).Policy!;
        Assert.True(policy.SameContentAs(again));
        Assert.False(policy.SameContentAs(policy with { Approvals = policy.Approvals.SetItem("overridden", 1) }));
    }

    [Theory]
    [InlineData("3")]
    [InlineData("0")]
    [InlineData("\"two\"")]
    public void Given_an_approval_count_other_than_one_or_two_when_read_then_it_is_reported_at_its_path(string value)
    {
        SingleProblem(ReadOrderWith(root => root["approvals"] = JsonNode.Parse($$"""{ "overridden": {{value}} }""")),
            "approvals.overridden", "must be 1 (one resolver) or 2 (a second resolver approves)");
    }

    [Fact]
    public void Given_approvals_for_a_resolution_that_is_not_an_operators_when_read_then_it_is_reported()
    {
        SingleProblem(ReadOrderWith(root => root["approvals"] = new JsonObject { ["converged"] = 2 }), "approvals.converged", "unknown property");
    }
}

/// <summary>The <c>sources</c> guard: when a source counts as silent.</summary>
public sealed class PolicyReaderSourcesTests
{
    [Fact]
    public void Given_sources_with_silent_after_when_read_and_written_then_they_round_trip()
    {
        var result = ReadOrderWith(root => root["sources"] = JsonNode.Parse("""{ "erp": { "silentAfter": "PT5M" }, "crm": { "silentAfter": "PT30S" } }"""));

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Equal(TimeSpan.FromMinutes(5), result.Policy!.Sources["erp"].SilentAfter);
        var written = PolicyWriter.Write(result.Policy);
        Assert.Contains("\"silentAfter\": \"PT30S\"", written, StringComparison.Ordinal);
        Assert.True(result.Policy.SameContentAs(PolicyReader.Read(written).Policy!));
    }

    [Theory]
    [InlineData("""{ "erp": { "silentAfter": "5 minutes" } }""", "sources.erp.silentAfter", "is not an ISO-8601 duration")]
    [InlineData("""{ "erp": { "silentAfter": "-PT5M" } }""", "sources.erp.silentAfter", "must be a positive duration")]
    [InlineData("""{ "erp": { "silentafter": "PT5M" } }""", "sources.erp.silentafter", "unknown property")]
    [InlineData("""{ "erp": "PT5M" }""", "sources.erp", "must be an object")]
    [InlineData("""[ "erp" ]""", "sources", "must be an object")]
    public void Given_a_wrong_source_rule_when_read_then_it_is_reported_at_its_path(string sources, string path, string message)
    {
        var result = ReadOrderWith(root => root["sources"] = JsonNode.Parse(sources));

        Assert.False(result.IsValid);
        Assert.Contains(result.Problems, p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal));
    }
}

/// <summary>The <c>stormThreshold</c> guard.</summary>
public sealed class PolicyReaderStormTests
{
    [Fact]
    public void Given_a_storm_threshold_when_read_and_written_then_it_round_trips_and_500_is_the_default()
    {
        var result = ReadOrderWith(root => root["stormThreshold"] = 50);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Equal(50, result.Policy!.StormThresholdOrDefault);
        Assert.True(result.Policy.SameContentAs(PolicyReader.Read(PolicyWriter.Write(result.Policy)).Policy!));
        Assert.Equal(500, ReadOrderWith(_ => { }).Policy!.StormThresholdOrDefault);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2.5")]
    [InlineData("\"many\"")]
    public void Given_a_storm_threshold_that_is_not_a_positive_whole_number_when_read_then_it_is_reported(string value)
    {
        SingleProblem(ReadOrderWith(root => root["stormThreshold"] = JsonNode.Parse(value)), "stormThreshold", "must be a whole number of conflicts a minute");
    }
}
