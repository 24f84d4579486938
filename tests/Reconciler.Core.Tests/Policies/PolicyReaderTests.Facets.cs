using System.Text.Json.Nodes;
using Reconciler.Core.Policies;
using static Reconciler.Core.Tests.Policies.PolicySamples;

namespace Reconciler.Core.Tests.Policies;

public sealed partial class PolicyReaderTests
{
    [Fact]
    public void Given_no_facets_when_read_then_they_are_required()
    {
        var result = PolicyReader.Read("""{ "operationType": "order" }""");

        SingleProblem(result, "facets", "is required: declare at least one facet");
    }

    [Fact]
    public void Given_an_empty_facets_object_when_read_then_at_least_one_is_needed()
    {
        var result = PolicyReader.Read("""{ "operationType": "order", "facets": {} }""");

        SingleProblem(result, "facets", "declares no facets");
    }

    [Fact]
    public void Given_facets_as_an_array_when_read_then_it_must_be_an_object()
    {
        var result = PolicyReader.Read("""{ "operationType": "order", "facets": [] }""");

        SingleProblem(result, "facets", "must be an object mapping each facet name to its declaration, not an array");
    }

    [Fact]
    public void Given_a_facet_name_with_a_space_when_read_then_the_path_quotes_it()
    {
        var result = PolicyReader.Read("""{ "operationType": "o", "facets": { "pay ment": { "owner": "p", "states": ["a"] } } }""");

        SingleProblem(result, "facets['pay ment']", "'pay ment' is not a valid facet name: use 1..200 characters");
    }

    [Fact]
    public void Given_an_empty_facet_name_when_read_then_it_is_not_valid()
    {
        var result = PolicyReader.Read("""{ "operationType": "o", "facets": { "": { "owner": "p", "states": ["a"] } } }""");

        SingleProblem(result, "facets['']", "'' is not a valid facet name");
    }

    [Fact]
    public void Given_two_facets_differing_only_in_case_when_read_then_the_second_duplicates_the_first()
    {
        var result = ReadOrderWith(root => root["facets"]!["Payment"] = JsonNode.Parse("""{ "owner": "x", "states": ["a"] }"""));

        SingleProblem(result, "facets.Payment", "duplicates facet 'payment' (names are case-insensitive)");
    }

    [Fact]
    public void Given_the_same_facet_twice_when_read_then_the_second_is_a_duplicate()
    {
        var json = Order.Replace("\"journey\":      {", "\"ledger\": { \"states\": [\"x\"] }, \"journey\": {", StringComparison.Ordinal);

        SingleProblem(PolicyReader.Read(json), "facets.ledger", "duplicates facet 'ledger'");
    }

    [Fact]
    public void Given_a_facet_that_is_not_an_object_when_read_then_it_must_be_one()
    {
        SingleProblem(ReadOrderWith(root => root["facets"]!["ledger"] = "erp"), "facets.ledger", "must be an object with 'owner' and 'states', not a string");
    }

    [Fact]
    public void Given_a_facet_without_states_when_read_then_they_are_required()
    {
        SingleProblem(ReadOrderWith(root => Facet(root, "ledger").Remove("states")), "facets.ledger.states", "is required: list the states");
    }

    [Fact]
    public void Given_a_facet_with_empty_states_when_read_then_at_least_one_is_needed()
    {
        SingleProblem(ReadOrderWith(root => Facet(root, "ledger")["states"] = new JsonArray()), "facets.ledger.states", "is empty");
    }

    [Fact]
    public void Given_a_facet_with_a_repeated_state_when_read_then_the_repeat_is_reported()
    {
        SingleProblem(
            ReadOrderWith(root => Facet(root, "ledger")["states"] = new JsonArray("recorded", "reversed", "Recorded")),
            "facets.ledger.states[2]",
            "duplicates state 'recorded' (names are case-insensitive)");
    }

    [Fact]
    public void Given_a_state_that_is_not_a_string_when_read_then_its_index_is_reported()
    {
        SingleProblem(
            ReadOrderWith(root => Facet(root, "ledger")["states"] = new JsonArray("recorded", 3)),
            "facets.ledger.states[1]",
            "must be a string, not a number");
    }

    [Fact]
    public void Given_a_state_with_a_space_when_read_then_it_is_not_a_valid_name()
    {
        SingleProblem(
            ReadOrderWith(root => Facet(root, "ledger")["states"] = new JsonArray("recorded", "re versed")),
            "facets.ledger.states[1]",
            "'re versed' is not a valid state name");
    }

    [Fact]
    public void Given_an_empty_owner_when_read_then_it_says_to_name_a_source_or_use_null()
    {
        SingleProblem(ReadOrderWith(root => Facet(root, "ledger")["owner"] = ""), "facets.ledger.owner", "or use null for an unowned facet");
    }

    [Fact]
    public void Given_an_owner_that_is_not_a_string_when_read_then_it_must_be_one()
    {
        SingleProblem(
            ReadOrderWith(root => Facet(root, "ledger")["owner"] = new JsonArray("erp")),
            "facets.ledger.owner",
            "must be a string naming the owning source, or null for an unowned facet, not an array");
    }

    [Fact]
    public void Given_a_transition_target_with_a_typo_when_read_then_its_index_and_the_known_states_are_named()
    {
        SingleProblem(
            ReadOrderWith(root => Facet(root, "payment")["transitions"]!["authorized"] = new JsonArray("declined", "capturd")),
            "facets.payment.transitions.authorized[1]",
            $"unknown state 'capturd' {KnownPaymentStates}");
    }

    [Fact]
    public void Given_a_transition_from_an_unknown_state_when_read_then_the_key_is_reported()
    {
        SingleProblem(
            ReadOrderWith(root => Facet(root, "payment")["transitions"]!["refundd"] = new JsonArray("captured")),
            "facets.payment.transitions.refundd",
            $"unknown state 'refundd' {KnownPaymentStates}");
    }

    [Fact]
    public void Given_transitions_that_are_not_an_object_when_read_then_the_shape_is_explained()
    {
        SingleProblem(
            ReadOrderWith(root => Facet(root, "payment")["transitions"] = new JsonArray("captured")),
            "facets.payment.transitions",
            "must be an object mapping a state to the states it may move to, not an array");
    }

    [Fact]
    public void Given_transition_targets_that_are_not_an_array_when_read_then_they_must_be_one()
    {
        SingleProblem(
            ReadOrderWith(root => Facet(root, "payment")["transitions"]!["captured"] = "refunded"),
            "facets.payment.transitions.captured",
            "must be an array of target states (strings), not a string");
    }

    [Fact]
    public void Given_a_negative_facet_grace_when_read_then_it_must_not_be_negative()
    {
        SingleProblem(ReadOrderWith(root => Facet(root, "payment")["graceSeconds"] = -30), "facets.payment.graceSeconds", "must not be negative (-30)");
    }

    [Fact]
    public void Given_a_fractional_facet_grace_when_read_then_it_must_be_whole()
    {
        SingleProblem(ReadOrderWith(root => Facet(root, "payment")["graceSeconds"] = 2.5), "facets.payment.graceSeconds", "'2.5' is not a whole number of seconds");
    }

    [Fact]
    public void Given_a_facet_grace_when_read_then_it_overrides_the_policy_grace()
    {
        var result = ReadOrderWith(root => Facet(root, "payment")["graceSeconds"] = 0);

        Assert.True(result.IsValid);
        Assert.Equal(TimeSpan.Zero, result.Policy!.GraceFor("payment"));
        Assert.Equal(TimeSpan.FromSeconds(300), result.Policy.GraceFor("ledger"));
    }

    [Theory]
    [InlineData("\"twice\"", "'twice' is not a known effect")]
    [InlineData("\"Once\"", "'Once' is not a known effect")]
    [InlineData("true", "a boolean is not a known effect")]
    public void Given_an_effect_other_than_once_when_read_then_it_is_reported(string effect, string message)
    {
        SingleProblem(ReadOrderWith(root => Facet(root, "notification")["effect"] = JsonNode.Parse(effect)), "facets.notification.effect", message);
    }

    [Fact]
    public void Given_a_misspelled_facet_property_when_read_then_the_right_name_is_suggested()
    {
        var result = ReadOrderWith(root =>
        {
            var payment = Facet(root, "payment");
            payment["owners"] = payment["owner"]!.DeepClone();
            payment.Remove("owner");
        });

        SingleProblem(result, "facets.payment.owners", "unknown property (did you mean 'owner'?)");
    }
}
