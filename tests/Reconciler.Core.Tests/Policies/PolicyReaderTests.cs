using System.Collections.Immutable;
using Reconciler.Core.Policies;
using static Reconciler.Core.Tests.Policies.PolicySamples;

namespace Reconciler.Core.Tests.Policies;

public sealed partial class PolicyReaderTests
{
    [Fact]
    public void Given_the_domain_sample_when_read_then_it_is_valid_with_every_part()
    {
        var result = PolicyReader.Read(Order);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        var policy = result.Policy!;
        Assert.Equal("order", policy.OperationType);
        Assert.Equal(300, policy.GraceSeconds);
        Assert.Equal(["payment", "inventory", "ledger", "journey", "notification"], policy.FacetOrder);
        Assert.Equal(["payment", "inventory", "ledger", "journey", "notification"], policy.FacetNames);
        var payment = policy.Facets["payment"];
        Assert.Equal("payment-gateway", payment.Owner);
        Assert.Equal(["authorized", "captured", "declined", "refunded"], payment.States);
        Assert.Equal(["captured", "declined"], payment.Transitions["authorized"]);
        Assert.True(payment.Allows("captured", "refunded"));
        Assert.False(payment.Allows("declined", "captured"));
        Assert.Null(payment.GraceSeconds);
        Assert.Equal(FacetEffect.Once, policy.Facets["notification"].Effect);
        Assert.Equal(FacetEffect.None, policy.Facets["ledger"].Effect);
        Assert.Equal(3, policy.Expectations.Count);
        Assert.Equal(new Expectation(new("payment", "captured"), new("ledger", "recorded", null), TimeSpan.FromMinutes(10), "PT10M"), policy.Expectations[0]);
        Assert.Equal(new ExpectationTarget(null, null, "succeeded"), policy.Expectations[2].Expect);
        Assert.Equal(["failed", "succeeded"], policy.Outcomes.Select(o => o.Outcome));
        Assert.Equal(["reserved", "shipped"], policy.Outcomes[1].When["inventory"]);
        Assert.Equal(TimeSpan.FromMinutes(5), policy.GraceFor("payment"));
    }

    [Fact]
    public void Given_the_domain_sample_when_written_and_read_again_then_the_content_is_the_same()
    {
        var policy = PolicyReader.Read(Order).Policy!;

        var written = PolicyWriter.Write(policy);
        var again = PolicyReader.Read(written);

        Assert.True(again.IsValid, string.Join("\n", again.Problems));
        Assert.True(policy.SameContentAs(again.Policy!));
        Assert.Equal(written, PolicyWriter.Write(again.Policy!));
        Assert.Equal(policy.FacetOrder, again.Policy!.FacetOrder);
    }

    [Fact]
    public void Given_the_domain_sample_when_written_then_facets_and_transitions_keep_their_declared_order()
    {
        var json = PolicyWriter.ToJson(PolicyReader.Read(Order).Policy!);

        Assert.Equal(["payment", "inventory", "ledger", "journey", "notification"], json.GetProperty("facets").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["authorized", "captured"], json.GetProperty("facets").GetProperty("payment").GetProperty("transitions").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["payment", "inventory", "ledger"], json.GetProperty("outcomes")[1].GetProperty("when").EnumerateObject().Select(p => p.Name));
        Assert.Equal("once", json.GetProperty("facets").GetProperty("notification").GetProperty("effect").GetString());
        Assert.Equal("PT2M", json.GetProperty("expectations")[2].GetProperty("within").GetString());
    }

    [Fact]
    public void Given_a_policy_built_in_code_without_facet_order_when_round_tripped_then_the_content_is_the_same()
    {
        var policy = new TruthPolicy(
            "refund",
            60,
            ImmutableDictionary<string, FacetPolicy>.Empty
                .Add("money", new FacetPolicy(null, ["sent", "returned"], ImmutableDictionary<string, ImmutableList<string>>.Empty, 30, FacetEffect.Once))
                .Add("audit", new FacetPolicy("auditor", ["seen"], ImmutableDictionary<string, ImmutableList<string>>.Empty.Add("seen", ["seen"]), null, FacetEffect.None)),
            [new Expectation(new("money", "sent"), new(null, null, "refunded"), TimeSpan.FromSeconds(90), "")],
            [new OutcomeRule("refunded", ImmutableDictionary<string, ImmutableList<string>>.Empty.Add("money", ["sent"]).Add("audit", ["seen"]))]);

        var again = PolicyReader.Read(PolicyWriter.Write(policy));

        Assert.True(again.IsValid, string.Join("\n", again.Problems));
        Assert.Null(again.Policy!.Facets["money"].Owner);
        Assert.Equal(30, again.Policy.Facets["money"].GraceSeconds);
        Assert.Equal("PT1M30S", again.Policy.Expectations[0].WithinText);
        Assert.Equal(TimeSpan.FromSeconds(90), again.Policy.Expectations[0].Within);
        Assert.Equal(["audit", "money"], again.Policy.FacetNames);
        Assert.Equal(policy.FacetNames, again.Policy.FacetNames);
        Assert.True(PolicyContent.AreEqual(policy.Facets["money"], again.Policy.Facets["money"]));
        Assert.True(PolicyContent.AreEqual(policy.Facets["audit"], again.Policy.Facets["audit"]));
    }

    [Fact]
    public void Given_two_policies_differing_in_one_transition_when_compared_then_they_differ()
    {
        var policy = PolicyReader.Read(Order).Policy!;
        var payment = policy.Facets["payment"];
        var changed = policy with
        {
            Facets = policy.Facets.SetItem("payment", payment with { Transitions = payment.Transitions.SetItem("captured", []) }),
        };

        Assert.False(policy.SameContentAs(changed));
        Assert.True(policy.SameContentAs(policy with { }));
    }

    [Fact]
    public void Given_no_grace_seconds_when_read_then_the_default_of_300_applies()
    {
        var result = ReadOrderWith(root => root.Remove("graceSeconds"));

        Assert.True(result.IsValid);
        Assert.Equal(PolicyReader.DefaultGraceSeconds, result.Policy!.GraceSeconds);
        Assert.Equal(300, PolicyReader.DefaultGraceSeconds);
    }

    [Fact]
    public void Given_no_expectations_nor_outcomes_and_an_unowned_facet_when_read_then_it_is_valid()
    {
        var result = PolicyReader.Read("""
            { "operationType": "ping", "facets": { "echo": { "owner": null, "states": ["up"] }, "tick": { "states": ["on"] } } }
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Null(result.Policy!.Facets["echo"].Owner);
        Assert.Null(result.Policy.Facets["tick"].Owner);
        Assert.Empty(result.Policy.Expectations);
        Assert.Empty(result.Policy.Outcomes);
    }

    [Fact]
    public void Given_comments_and_trailing_commas_when_read_then_they_are_allowed()
    {
        var result = PolicyReader.Read("""
            // hand-written
            { "operationType": "ping", "facets": { "echo": { "owner": "a", "states": ["up",], }, }, }
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
    }

    [Theory]
    [InlineData("order.json", "order")]
    [InlineData("subscription.json", "subscription")]
    public void Given_a_sample_policy_file_when_read_then_it_is_valid(string file, string operationType)
    {
        var json = File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "policies", file));

        var result = PolicyReader.Read(json);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Equal(operationType, result.Policy!.OperationType);
        Assert.True(result.Policy.SameContentAs(PolicyReader.Read(PolicyWriter.Write(result.Policy)).Policy!));
    }

    [Fact]
    public void Given_the_order_sample_file_when_read_then_it_is_the_domain_sample_with_windows_of_seconds_and_amounts_that_must_agree()
    {
        var file = PolicyReader.Read(File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "policies", "order.json"))).Policy!;
        var domain = PolicyReader.Read(Order).Policy!;

        // Short enough to watch by hand: a disagreement is judged within seconds, an expectation within a minute.
        Assert.Equal(15, file.GraceSeconds);
        Assert.All(file.Expectations, e => Assert.True(e.Within <= TimeSpan.FromMinutes(1), e.WithinText));
        // The gateway's and the ERP's amounts (within a cent) and currencies (exactly) are compared, within and across facets.
        foreach (var facet in new[] { "payment", "ledger" })
        {
            Assert.Equal([("amount", AttributeType.Decimal, "0.01"), ("currency", AttributeType.Exact, null)],
                file.Facets[facet].Attributes.Select(a => (a.Name, a.Type, a.Tolerance?.Text)));
        }
        Assert.Equal([("amount", "0.01"), ("currency", null)], file.Matches.Select(m => (m.Attribute, m.Tolerance?.Text)));
        // Apart from that, it is the domain's sample.
        var windowsAndAmountsLeftOut = file with
        {
            GraceSeconds = domain.GraceSeconds,
            Expectations = domain.Expectations,
            Facets = file.Facets.ToImmutableDictionary(f => f.Key, f => f.Value with { Attributes = [] }),
            Matches = [],
        };
        Assert.True(windowsAndAmountsLeftOut.SameContentAs(domain));
    }

    [Fact]
    public void Given_the_subscription_sample_file_when_read_then_it_declares_the_streaming_facets()
    {
        var policy = PolicyReader.Read(File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "policies", "subscription.json"))).Policy!;

        Assert.Equal(["billing", "entitlement", "journey", "playback"], policy.FacetNames);
        Assert.Equal(["billing", "entitlement-service", "crm", "device"], policy.FacetNames.Select(f => policy.Facets[f].Owner));
        Assert.Equal(["paid", "past-due", "cancelled"], policy.Facets["billing"].States);
        Assert.Equal(["failed", "failed", "succeeded"], policy.Outcomes.Select(o => o.Outcome));
        Assert.Contains(policy.Expectations, e => e.When == new FacetCondition("billing", "paid") && e.Expect == new ExpectationTarget("playback", "allowed", null) && e.Within == TimeSpan.FromSeconds(30));
    }
}
