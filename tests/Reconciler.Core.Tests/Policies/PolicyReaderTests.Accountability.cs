using System.Text.Json.Nodes;
using Reconciler.Core.Policies;
using static Reconciler.Core.Tests.Policies.PolicySamples;

namespace Reconciler.Core.Tests.Policies;

/// <summary>The <c>accountability</c> section: who answers for conflicts, their clocks, escalation and finishing.</summary>
public sealed class PolicyReaderAccountabilityTests
{
    private const string Issue = """
        { "owner": "order-ops", "facets": { "ledger": "finance" }, "kinds": { "premature-effect": "crm-team" },
          "resolveWithin": { "high": "PT4H", "medium": "P1D" }, "escalateTo": "ops-leads", "finishWithin": "P2D" }
        """;

    private static PolicyReadResult ReadWith(string accountability) =>
        ReadOrderWith(root => root["accountability"] = JsonNode.Parse(accountability));

    [Fact]
    public void Given_the_issue_section_when_read_then_every_part_is_held()
    {
        var result = ReadWith(Issue);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        var a = result.Policy!.Accountability;
        Assert.Equal(("order-ops", "ops-leads"), (a.Owner, a.EscalateTo));
        Assert.Equal("finance", a.Facets["ledger"]);
        Assert.Equal("crm-team", a.Kinds["premature-effect"]);
        Assert.Equal(new PolicyDuration(TimeSpan.FromHours(4), "PT4H"), a.ResolveWithin["high"]);
        Assert.Equal(TimeSpan.FromDays(1), a.ResolveWithin["medium"].Duration);
        Assert.False(a.ResolveWithin.ContainsKey("info"));
        Assert.Equal(new PolicyDuration(TimeSpan.FromDays(2), "P2D"), a.FinishWithin);
    }

    [Fact]
    public void Given_the_issue_section_in_another_order_when_written_then_it_has_the_normal_form_and_stays_unchanged()
    {
        var policy = ReadWith("""
            { "finishWithin": "P2D", "escalateTo": "ops-leads", "resolveWithin": { "medium": "P1D", "high": "PT4H" },
              "kinds": { "unfinished": "order-ops", "premature-effect": "crm-team" },
              "facets": { "ledger": "finance", "payment": "payments-team" }, "owner": "order-ops" }
            """).Policy!;

        var written = PolicyWriter.Write(policy);
        var again = PolicyReader.Read(written).Policy!;

        var section = PolicyWriter.ToJson(policy).GetProperty("accountability");
        Assert.Equal(["owner", "facets", "kinds", "resolveWithin", "escalateTo", "finishWithin"], section.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["payment", "ledger"], section.GetProperty("facets").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["premature-effect", "unfinished"], section.GetProperty("kinds").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["high", "medium"], section.GetProperty("resolveWithin").EnumerateObject().Select(p => p.Name));
        Assert.Equal("accountability", PolicyWriter.ToJson(policy).EnumerateObject().Last().Name);
        Assert.True(policy.SameContentAs(again));
        Assert.Equal(written, PolicyWriter.Write(again));
    }

    [Fact]
    public void Given_policies_differing_only_in_accountability_when_compared_then_they_differ()
    {
        var policy = ReadWith(Issue).Policy!;
        var a = policy.Accountability;

        Assert.False(policy.SameContentAs(policy with { Accountability = a with { Facets = a.Facets.SetItem("ledger", "treasury") } }));
        Assert.False(policy.SameContentAs(policy with { Accountability = a with { EscalateTo = null } }));
        Assert.False(policy.SameContentAs(policy with { Accountability = a with { ResolveWithin = a.ResolveWithin.Remove("medium") } }));
        Assert.False(policy.SameContentAs(policy with { Accountability = AccountabilityPolicy.None }));
        Assert.True(policy.SameContentAs(policy with { Accountability = a with { Kinds = a.Kinds.Remove("x") } }));
    }

    [Fact]
    public void Given_no_section_or_an_empty_one_when_read_then_nobody_is_accountable_and_nothing_is_written()
    {
        var none = ReadOrderWith(_ => { }).Policy!;
        var empty = ReadWith("{}").Policy!;

        Assert.Same(AccountabilityPolicy.None, none.Accountability);
        Assert.True(empty.Accountability.IsEmpty);
        Assert.True(none.SameContentAs(empty));
        Assert.DoesNotContain("accountability", PolicyWriter.Write(empty), StringComparison.Ordinal);
    }

    [Fact]
    public void Given_only_some_parts_when_read_and_written_then_the_others_stay_out()
    {
        var policy = ReadWith("""{ "kinds": { "unfinished": "order-ops" } }""").Policy!;

        var section = PolicyWriter.ToJson(policy).GetProperty("accountability");

        Assert.Equal(["kinds"], section.EnumerateObject().Select(p => p.Name));
        Assert.Null(policy.Accountability.Owner);
        Assert.Null(policy.Accountability.FinishWithin);
    }

    [Theory]
    [InlineData("""{ "ower": "ops" }""", "accountability.ower", "unknown property (did you mean 'owner'?)")]
    [InlineData("""{ "facets": { "ledgr": "finance" } }""", "accountability.facets.ledgr", "unknown facet 'ledgr' (did you mean 'ledger'?)")]
    [InlineData("""{ "facets": { "tax": "finance" } }""", "accountability.facets.tax", "unknown facet 'tax' " + KnownFacets)]
    [InlineData("""{ "kinds": { "unfinshed": "ops" } }""", "accountability.kinds.unfinshed", "unknown conflict kind 'unfinshed' (did you mean 'unfinished'?)")]
    [InlineData("""{ "kinds": { "late": "ops" } }""", "accountability.kinds.late", "unknown conflict kind 'late' (known: duplicate, retry, stale,")]
    [InlineData("""{ "resolveWithin": { "critical": "PT1H" } }""", "accountability.resolveWithin.critical", "unknown severity 'critical' (known: high, medium, info)")]
    [InlineData("""{ "resolveWithin": { "hig": "PT1H" } }""", "accountability.resolveWithin.hig", "(did you mean 'high'?)")]
    [InlineData("""{ "resolveWithin": { "high": "4 hours" } }""", "accountability.resolveWithin.high", "'4 hours' is not an ISO-8601 duration (e.g. PT4H)")]
    [InlineData("""{ "resolveWithin": { "high": "PT0S" } }""", "accountability.resolveWithin.high", "must be a positive duration")]
    [InlineData("""{ "resolveWithin": { "high": 14400 } }""", "accountability.resolveWithin.high", "must be an ISO-8601 duration such as \"PT4H\", not a number")]
    [InlineData("""{ "resolveWithin": ["high"] }""", "accountability.resolveWithin", "must be an object such as { \"high\": \"PT4H\" }, not an array")]
    [InlineData("""{ "finishWithin": "P1M" }""", "accountability.finishWithin", "is not an ISO-8601 duration (e.g. P2D)")]
    [InlineData("""{ "owner": "order ops" }""", "accountability.owner", "'order ops' is not a valid team name: use 1..200 characters")]
    [InlineData("""{ "escalateTo": ["leads"] }""", "accountability.escalateTo", "must be a team name such as \"finance\", not an array")]
    [InlineData("""{ "facets": { "ledger": "" } }""", "accountability.facets.ledger", "'' is not a valid team name")]
    [InlineData("""{ "kinds": "ops" }""", "accountability.kinds", "must be an object such as { \"unfinished\": \"finance\" }, not a string")]
    [InlineData("""[ "ops" ]""", "accountability", "must be an object such as { \"owner\": \"order-ops\"")]
    public void Given_a_wrong_part_when_read_then_it_is_the_one_problem_with_its_path_and_hint(string accountability, string path, string message)
    {
        SingleProblem(ReadWith(accountability), path, message);
    }

    [Fact]
    public void Given_a_repeated_facet_when_read_then_the_repeat_is_reported()
    {
        var json = Order.TrimEnd()[..^1] + """, "accountability": { "facets": { "ledger": "finance", "ledger": "treasury" } } }""";

        SingleProblem(PolicyReader.Read(json), "accountability.facets.ledger", "is repeated: give each facet once");
    }

    [Fact]
    public void Given_several_wrong_parts_when_read_then_every_problem_is_reported_after_the_rest_of_the_policy()
    {
        var result = ReadOrderWith(root =>
        {
            root["accountability"] = JsonNode.Parse("""{ "owner": 7, "facets": { "tax": "x" }, "finishWithin": "-P1D" }""");
            Rule(root, 0)["outcome"] = "not ok";
        });

        Assert.Equal(["outcomes[0].outcome", "accountability.owner", "accountability.facets.tax", "accountability.finishWithin"],
            result.Problems.Select(p => p.Path));
    }
}
