using System.Text.Json.Nodes;
using Reconciler.Core.Policies;
using static Reconciler.Core.Tests.Policies.PolicySamples;

namespace Reconciler.Core.Tests.Policies;

public sealed partial class PolicyReaderTests
{
    [Fact]
    public void Given_an_expectation_on_an_unknown_facet_when_read_then_the_known_facets_are_listed()
    {
        SingleProblem(
            ReadOrderWith(root => Expectation(root, 0)["when"]!["facet"] = "paymnt"),
            "expectations[0].when.facet",
            $"unknown facet 'paymnt' {KnownFacets}");
    }

    [Fact]
    public void Given_an_expectation_on_an_unknown_state_when_read_then_the_facets_states_are_listed()
    {
        SingleProblem(
            ReadOrderWith(root => Expectation(root, 0)["when"]!["state"] = "capturd"),
            "expectations[0].when.state",
            $"unknown state 'capturd' of facet 'payment' {KnownPaymentStates}");
    }

    [Fact]
    public void Given_an_expected_facet_that_is_unknown_when_read_then_it_is_reported_under_expect()
    {
        SingleProblem(
            ReadOrderWith(root => Expectation(root, 1)["expect"]!["facet"] = "crm"),
            "expectations[1].expect.facet",
            $"unknown facet 'crm' {KnownFacets}");
    }

    [Fact]
    public void Given_an_expected_state_that_is_unknown_when_read_then_it_is_reported_under_expect()
    {
        SingleProblem(
            ReadOrderWith(root => Expectation(root, 0)["expect"]!["state"] = "booked"),
            "expectations[0].expect.state",
            "unknown state 'booked' of facet 'ledger' (known: recorded, reversed)");
    }

    [Fact]
    public void Given_an_expectation_without_a_when_state_when_read_then_it_is_required()
    {
        SingleProblem(ReadOrderWith(root => Expectation(root, 0)["when"]!.AsObject().Remove("state")), "expectations[0].when.state", "is required");
    }

    [Fact]
    public void Given_an_expectation_without_when_when_read_then_it_is_required()
    {
        SingleProblem(ReadOrderWith(root => Expectation(root, 0).Remove("when")), "expectations[0].when", "is required");
    }

    [Fact]
    public void Given_an_expect_with_both_a_facet_and_an_outcome_when_read_then_one_must_go()
    {
        SingleProblem(
            ReadOrderWith(root => Expectation(root, 0)["expect"]!["outcome"] = "succeeded"),
            "expectations[0].expect",
            "names both a facet and an outcome");
    }

    [Fact]
    public void Given_an_expect_with_neither_facet_nor_outcome_when_read_then_one_is_needed()
    {
        SingleProblem(
            ReadOrderWith(root => Expectation(root, 0)["expect"] = new JsonObject()),
            "expectations[0].expect",
            "names neither a facet nor an outcome");
    }

    [Fact]
    public void Given_an_expected_outcome_no_rule_produces_when_read_then_the_producible_outcomes_are_listed()
    {
        SingleProblem(
            ReadOrderWith(root => Expectation(root, 2)["expect"]!["outcome"] = "delivered"),
            "expectations[2].expect.outcome",
            "no outcome rule produces 'delivered' (known: pending, succeeded, failed)");
    }

    [Fact]
    public void Given_an_expected_outcome_that_a_rule_names_when_read_then_it_is_valid()
    {
        var result = ReadOrderWith(root =>
        {
            Expectation(root, 2)["expect"]!["outcome"] = "refunded";
            root["outcomes"]!.AsArray().Insert(0, JsonNode.Parse("""{ "outcome": "refunded", "when": { "payment": ["refunded"] } }"""));
        });

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Equal("refunded", result.Policy!.Expectations[2].Expect.Outcome);
    }

    [Fact]
    public void Given_an_expectation_without_within_when_read_then_an_iso_duration_is_required()
    {
        SingleProblem(ReadOrderWith(root => Expectation(root, 0).Remove("within")), "expectations[0].within", "is required: an ISO-8601 duration such as PT10M");
    }

    [Fact]
    public void Given_a_within_in_words_when_read_then_it_is_not_an_iso_duration()
    {
        var result = ReadOrderWith(root => Expectation(root, 0)["within"] = "ten minutes");

        Assert.Equal([new PolicyProblem("expectations[0].within", "'ten minutes' is not an ISO-8601 duration (e.g. PT10M)")], result.Problems);
    }

    [Theory]
    [InlineData("PT0S")]
    [InlineData("P0D")]
    [InlineData("-PT10M")]
    public void Given_a_within_that_is_not_positive_when_read_then_it_must_be_positive(string within)
    {
        SingleProblem(ReadOrderWith(root => Expectation(root, 0)["within"] = within), "expectations[0].within", $"'{within}' must be a positive duration");
    }

    [Fact]
    public void Given_a_within_that_is_a_number_when_read_then_it_must_be_a_string()
    {
        SingleProblem(ReadOrderWith(root => Expectation(root, 0)["within"] = 600), "expectations[0].within", "must be a string, not a number");
    }

    [Fact]
    public void Given_expectations_that_are_not_an_array_when_read_then_they_must_be_one()
    {
        SingleProblem(ReadOrderWith(root => root["expectations"] = new JsonObject()), "expectations", "must be an array, not an object");
    }

    [Fact]
    public void Given_an_unknown_property_in_an_expectation_when_read_then_it_is_reported()
    {
        SingleProblem(ReadOrderWith(root => Expectation(root, 1)["whithin"] = "PT1M"), "expectations[1].whithin", "unknown property (did you mean 'within'?)");
    }

    [Fact]
    public void Given_an_outcome_rule_with_an_empty_name_when_read_then_it_needs_one()
    {
        SingleProblem(ReadOrderWith(root => Rule(root, 0)["outcome"] = ""), "outcomes[0].outcome", "must not be empty");
    }

    [Fact]
    public void Given_an_outcome_rule_without_conditions_when_read_then_it_would_always_match()
    {
        SingleProblem(ReadOrderWith(root => Rule(root, 0)["when"] = new JsonObject()), "outcomes[0].when", "has no conditions");
    }

    [Fact]
    public void Given_an_outcome_rule_without_when_when_read_then_it_is_required()
    {
        SingleProblem(ReadOrderWith(root => Rule(root, 0).Remove("when")), "outcomes[0].when", "is required");
    }

    [Fact]
    public void Given_an_outcome_rule_on_an_unknown_facet_when_read_then_the_known_facets_are_listed()
    {
        var result = ReadOrderWith(root =>
        {
            var when = Rule(root, 1)["when"]!.AsObject();
            when["ledgr"] = when["ledger"]!.DeepClone();
            when.Remove("ledger");
        });

        Assert.Equal([new PolicyProblem("outcomes[1].when.ledgr", $"unknown facet 'ledgr' {KnownFacets}")], result.Problems);
    }

    [Fact]
    public void Given_an_outcome_rule_on_an_unknown_state_when_read_then_its_index_is_reported()
    {
        SingleProblem(
            ReadOrderWith(root => Rule(root, 1)["when"]!["inventory"] = new JsonArray("reserved", "shiped")),
            "outcomes[1].when.inventory[1]",
            "unknown state 'shiped' (known: reserved, released, shipped)");
    }

    [Fact]
    public void Given_an_outcome_rule_with_no_states_for_a_facet_when_read_then_at_least_one_is_needed()
    {
        SingleProblem(ReadOrderWith(root => Rule(root, 0)["when"]!["payment"] = new JsonArray()), "outcomes[0].when.payment", "is empty");
    }

    [Fact]
    public void Given_an_outcome_rule_that_is_not_an_object_when_read_then_its_shape_is_explained()
    {
        SingleProblem(ReadOrderWith(root => root["outcomes"]!.AsArray().Add("failed")), "outcomes[2]", "must be an object with 'outcome' and 'when', not a string");
    }
}
