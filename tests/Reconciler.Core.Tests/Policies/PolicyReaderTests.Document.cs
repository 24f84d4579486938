using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Core.Policies;
using static Reconciler.Core.Tests.Policies.PolicySamples;

namespace Reconciler.Core.Tests.Policies;

public sealed partial class PolicyReaderTests
{
    [Fact]
    public void Given_malformed_json_when_read_then_the_root_path_names_line_and_position()
    {
        var result = PolicyReader.Read("{\n  \"operationType\": \"order\",\n  \"facets\": { oops }\n}");

        SingleProblem(result, "$", "malformed JSON at line 3, position 15");
    }

    [Fact]
    public void Given_an_empty_document_when_read_then_it_is_reported_not_thrown()
    {
        SingleProblem(PolicyReader.Read(""), "$", "malformed JSON");
    }

    [Fact]
    public void Given_a_json_array_when_read_then_the_root_must_be_an_object()
    {
        SingleProblem(PolicyReader.Read("[]"), "$", "a policy must be a JSON object, not an array");
    }

    [Fact]
    public void Given_a_json_element_when_read_then_it_is_validated_the_same_way()
    {
        using var document = JsonDocument.Parse(Order);

        Assert.True(PolicyReader.Read(document.RootElement).IsValid);
    }

    [Fact]
    public void Given_no_operation_type_when_read_then_it_is_required()
    {
        SingleProblem(ReadOrderWith(root => root.Remove("operationType")), "operationType", "is required");
    }

    [Fact]
    public void Given_an_empty_operation_type_when_read_then_it_must_not_be_empty()
    {
        SingleProblem(ReadOrderWith(root => root["operationType"] = "  "), "operationType", "must not be empty");
    }

    [Fact]
    public void Given_an_operation_type_that_is_not_a_string_when_read_then_it_must_be_a_string()
    {
        SingleProblem(ReadOrderWith(root => root["operationType"] = 7), "operationType", "must be a string, not a number");
    }

    [Theory]
    [InlineData("order type")]
    [InlineData("order/1")]
    public void Given_an_operation_type_with_other_characters_when_read_then_the_allowed_characters_are_named(string operationType)
    {
        SingleProblem(
            ReadOrderWith(root => root["operationType"] = operationType),
            "operationType",
            $"'{operationType}' is not a valid operation type: use 1..200 characters of A-Z a-z 0-9 . _ : -");
    }

    [Fact]
    public void Given_an_operation_type_of_201_characters_when_read_then_it_is_too_long()
    {
        SingleProblem(ReadOrderWith(root => root["operationType"] = new string('a', 201)), "operationType", "is not a valid operation type");
    }

    [Fact]
    public void Given_a_negative_grace_when_read_then_it_must_not_be_negative()
    {
        SingleProblem(ReadOrderWith(root => root["graceSeconds"] = -1), "graceSeconds", "must not be negative (-1)");
    }

    [Theory]
    [InlineData("1.5", "'1.5' is not a whole number of seconds")]
    [InlineData("\"300\"", "must be a whole number of seconds, not a string")]
    [InlineData("99999999999", "'99999999999' is not a whole number of seconds")]
    public void Given_a_grace_that_is_not_a_whole_number_when_read_then_it_is_a_problem(string grace, string message)
    {
        SingleProblem(ReadOrderWith(root => root["graceSeconds"] = JsonNode.Parse(grace)), "graceSeconds", message);
    }

    [Fact]
    public void Given_an_unknown_top_level_property_when_read_then_a_near_name_is_suggested()
    {
        SingleProblem(
            ReadOrderWith(root => { var e = root["expectations"]!; root.Remove("expectations"); root["expectation"] = e; }),
            "expectation",
            "unknown property (did you mean 'expectations'?)");
    }

    [Fact]
    public void Given_an_unknown_property_far_from_every_name_when_read_then_the_known_names_are_listed()
    {
        SingleProblem(
            ReadOrderWith(root => root["colour"] = "blue"),
            "colour",
            "unknown property (known: operationType, graceSeconds, finalAfter, facets, matches, expectations, outcomes, approvals, sources, stormThreshold, accountability)");
    }

    [Fact]
    public void Given_a_repeated_top_level_property_when_read_then_it_is_reported()
    {
        var json = Order.Replace("\"graceSeconds\": 300,", "\"graceSeconds\": 300, \"graceSeconds\": 30,", StringComparison.Ordinal);

        SingleProblem(PolicyReader.Read(json), "graceSeconds", "is repeated");
    }

    [Fact]
    public void Given_many_problems_when_read_then_every_one_is_reported_in_document_order()
    {
        var result = PolicyReader.Read("""
            {
              "operationType": "",
              "graceSeconds": -5,
              "facets": {
                "payment": { "owners": "pgw", "states": ["authorized","captured","captured"],
                             "transitions": { "authorized": ["capturd"] }, "effect": "twice" },
                "Payment": { "owner": "x", "states": ["a"] },
                "ledger":  { "owner": "", "states": [] }
              },
              "expectations": [
                { "when": { "facet": "paymnt", "state": "captured" }, "expect": { "facet": "ledger", "state": "recorded" }, "within": "ten minutes" },
                { "when": { "facet": "payment", "state": "captured" }, "expect": { "outcome": "shipped" }, "within": "PT0S" }
              ],
              "outcomes": [
                { "outcome": "", "when": {} },
                { "outcome": "failed", "when": { "ledgr": ["x"] } }
              ]
            }
            """);

        Assert.Null(result.Policy);
        Assert.Equal(
            [
                "operationType: must not be empty: name the operation type this policy judges, e.g. 'order'",
                "graceSeconds: must not be negative (-5): use 0 or more seconds",
                "facets.payment.owners: unknown property (did you mean 'owner'?)",
                "facets.payment.states[2]: duplicates state 'captured'",
                "facets.payment.transitions.authorized[0]: unknown state 'capturd' (known: authorized, captured)",
                "facets.payment.effect: 'twice' is not a known effect: use \"once\" (a side effect that must happen at most once) or leave it out",
                "facets.Payment: duplicates facet 'payment' (names are case-insensitive)",
                "facets.ledger.owner: '' is not a source name: name the owning source (e.g. 'payment-gateway'), or use null for an unowned facet",
                "facets.ledger.states: is empty: list at least one state this facet may take",
                "expectations[0].when.facet: unknown facet 'paymnt' (known: payment, ledger)",
                "expectations[0].within: 'ten minutes' is not an ISO-8601 duration (e.g. PT10M)",
                "expectations[1].expect.outcome: no outcome rule produces 'shipped' (known: pending, succeeded, failed)",
                "expectations[1].within: 'PT0S' must be a positive duration (e.g. PT10M)",
                "outcomes[0].outcome: must not be empty: name the outcome this rule declares, e.g. 'succeeded'",
                "outcomes[0].when: has no conditions: name at least one facet and its states (a rule without conditions would always match)",
                "outcomes[1].when.ledgr: unknown facet 'ledgr' (known: payment, ledger)",
            ],
            result.Problems.Select(p => p.ToString()));
    }
}
