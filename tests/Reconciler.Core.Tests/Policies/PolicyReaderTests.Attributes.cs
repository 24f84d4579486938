using System.Text.Json.Nodes;
using Reconciler.Core.Policies;
using static Reconciler.Core.Tests.Policies.PolicySamples;

namespace Reconciler.Core.Tests.Policies;

/// <summary>Attributes with tolerances, cross-facet matches, rules that require them, and finalAfter.</summary>
public sealed partial class PolicyReaderTests
{
    private static JsonObject Attribute(JsonObject root, string facet, string name) => Facet(root, facet)["attributes"]![name]!.AsObject();

    private static JsonObject Match(JsonObject root, int index) => root["matches"]![index]!.AsObject();

    [Fact]
    public void Given_attributes_matches_and_final_after_when_read_then_every_part_is_kept()
    {
        var result = PolicyReader.Read(Amounts);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        var policy = result.Policy!;
        Assert.Equal((TimeSpan.FromDays(1), "P1D"), (policy.FinalAfter!.Value, policy.FinalAfterText));
        var payment = policy.Facets["payment"];
        Assert.Equal(["amount", "currency", "capturedAt"], payment.Attributes.Select(a => a.Name));
        Assert.Equal(new DeclaredAttribute("amount", AttributeType.Decimal, new AttributeTolerance("0.01", 0.01m, false, TimeSpan.Zero)),
            payment.FindAttribute("amount"));
        Assert.Equal((AttributeType.Exact, (AttributeTolerance?)null), (payment.Attributes[1].Type, payment.Attributes[1].Tolerance));
        Assert.Equal(TimeSpan.FromSeconds(2), payment.FindAttribute("capturedAt")!.Tolerance!.Duration);
        Assert.Null(policy.Facets["ledger"].FindAttribute("amount")!.Tolerance);
        Assert.Equal(2, policy.Matches.Count);
        Assert.Equal(("amount", 0.5m, true), (policy.Matches[0].Attribute, policy.Matches[0].Tolerance!.Amount, policy.Matches[0].Tolerance!.Relative));
        Assert.Equal(["payment", "ledger"], policy.Matches[0].Facets);
        Assert.Null(policy.Matches[1].Tolerance);
        Assert.Equal((false, true), (policy.Outcomes[0].RequireMatches, policy.Outcomes[1].RequireMatches));
        Assert.True(policy.RequiresMatches);
    }

    [Fact]
    public void Given_attributes_matches_and_final_after_when_written_and_read_again_then_the_content_and_text_are_the_same()
    {
        var policy = PolicyReader.Read(Amounts).Policy!;

        var written = PolicyWriter.Write(policy);
        var again = PolicyReader.Read(written);

        Assert.True(again.IsValid, string.Join("\n", again.Problems));
        Assert.True(policy.SameContentAs(again.Policy!));
        Assert.Equal(written, PolicyWriter.Write(again.Policy!));
        var json = PolicyWriter.ToJson(policy);
        Assert.Equal("0.5%", json.GetProperty("matches")[0].GetProperty("tolerance").GetString());
        Assert.Equal("P1D", json.GetProperty("finalAfter").GetString());
        Assert.True(json.GetProperty("outcomes")[1].GetProperty("requireMatches").GetBoolean());
        Assert.False(json.GetProperty("outcomes")[0].TryGetProperty("requireMatches", out _));
    }

    [Fact]
    public void Given_a_changed_tolerance_when_compared_then_the_content_differs()
    {
        var policy = PolicyReader.Read(Amounts).Policy!;

        var wider = ReadAmountsWith(root => Attribute(root, "payment", "amount")["tolerance"] = "0.02").Policy!;
        var relative = ReadAmountsWith(root => Match(root, 0)["tolerance"] = "1%").Policy!;
        var noRequirement = ReadAmountsWith(root => Rule(root, 1).Remove("requireMatches")).Policy!;
        var later = ReadAmountsWith(root => root["finalAfter"] = "P2D").Policy!;

        Assert.All(new[] { wider, relative, noRequirement, later }, other => Assert.False(policy.SameContentAs(other)));
    }

    [Theory]
    [InlineData("money", "unknown type 'money': use exact (text equality), decimal (numbers) or time (instants)")]
    [InlineData("", "must not be empty: one of exact, decimal, time")]
    public void Given_an_unknown_attribute_type_when_read_then_the_type_is_named(string type, string message)
    {
        SingleProblem(ReadAmountsWith(root => Attribute(root, "ledger", "currency")["type"] = type),
            "facets.ledger.attributes.currency.type", message);
    }

    [Fact]
    public void Given_an_exact_attribute_with_a_tolerance_when_read_then_the_tolerance_is_refused()
    {
        SingleProblem(ReadAmountsWith(root => Attribute(root, "payment", "currency")["tolerance"] = "0.01"),
            "facets.payment.attributes.currency.tolerance", "an exact attribute takes no tolerance");
    }

    [Theory]
    [InlineData("abc", "'abc' is not a tolerance: use an absolute amount such as \"0.01\" or a percentage such as \"0.5%\"")]
    [InlineData("-0.01", "'-0.01' is not a tolerance")]
    [InlineData("1,5", "'1,5' is not a tolerance")]
    [InlineData("150%", "'150%' is more than 100%")]
    public void Given_a_bad_decimal_tolerance_when_read_then_it_is_refused_with_its_path(string tolerance, string message)
    {
        SingleProblem(ReadAmountsWith(root => Attribute(root, "payment", "amount")["tolerance"] = tolerance),
            "facets.payment.attributes.amount.tolerance", message);
    }

    [Fact]
    public void Given_a_tolerance_as_a_number_when_read_then_it_must_be_a_string()
    {
        SingleProblem(ReadAmountsWith(root => Attribute(root, "payment", "amount")["tolerance"] = 0.01),
            "facets.payment.attributes.amount.tolerance", "must be a string such as \"0.01\" or \"0.5%\", not a number");
    }

    [Theory]
    [InlineData("2s")]
    [InlineData("-PT2S")]
    [InlineData("P1M")]
    public void Given_a_time_tolerance_that_is_no_duration_when_read_then_it_is_refused(string tolerance)
    {
        SingleProblem(ReadAmountsWith(root => Attribute(root, "payment", "capturedAt")["tolerance"] = tolerance),
            "facets.payment.attributes.capturedAt.tolerance", $"'{tolerance}' is not a non-negative ISO-8601 duration");
    }

    [Fact]
    public void Given_an_attribute_name_with_a_space_when_read_then_the_path_quotes_it()
    {
        SingleProblem(ReadAmountsWith(root => Facet(root, "journey")["attributes"] = new JsonObject { ["gross amount"] = new JsonObject { ["type"] = "exact" } }),
            "facets.journey.attributes['gross amount']", "'gross amount' is not an attribute path");
    }

    [Fact]
    public void Given_a_misspelt_attribute_property_when_read_then_the_hint_names_it()
    {
        SingleProblem(ReadAmountsWith(root => Attribute(root, "ledger", "amount")["tolerence"] = "0.01"),
            "facets.ledger.attributes.amount.tolerence", "unknown property (did you mean 'tolerance'?)");
    }

    [Fact]
    public void Given_attributes_as_an_array_when_read_then_it_must_be_an_object()
    {
        SingleProblem(ReadAmountsWith(root => Facet(root, "journey")["attributes"] = new JsonArray()),
            "facets.journey.attributes", "must be an object mapping each attribute to");
    }

    [Fact]
    public void Given_a_match_naming_an_unknown_facet_when_read_then_the_item_is_named()
    {
        SingleProblem(ReadAmountsWith(root => Match(root, 1)["facets"] = new JsonArray("payment", "ledgr")),
            "matches[1].facets[1]", "unknown facet 'ledgr' (known: payment, ledger, journey)");
    }

    [Fact]
    public void Given_a_match_of_one_facet_when_read_then_two_are_needed()
    {
        SingleProblem(ReadAmountsWith(root => Match(root, 1)["facets"] = new JsonArray("payment")),
            "matches[1].facets", "must list at least two facets");
    }

    [Fact]
    public void Given_a_match_whose_facet_does_not_declare_the_attribute_when_read_then_the_facet_is_named()
    {
        SingleProblem(ReadAmountsWith(root => Facet(root, "ledger")["attributes"]!.AsObject().Remove("currency")),
            "matches[1].facets[1]", "facet 'ledger' does not declare attribute 'currency': add it to facets.ledger.attributes");
    }

    [Fact]
    public void Given_a_match_over_attributes_of_two_types_when_read_then_the_second_is_named()
    {
        SingleProblem(ReadAmountsWith(root => Attribute(root, "ledger", "currency")["type"] = "decimal"),
            "matches[1].facets[1]", "facet 'ledger' declares 'currency' as decimal, but 'payment' as exact");
    }

    [Fact]
    public void Given_a_match_over_an_unowned_facet_when_read_then_it_is_refused()
    {
        var result = ReadAmountsWith(root =>
        {
            Facet(root, "journey")["attributes"] = new JsonObject { ["amount"] = new JsonObject { ["type"] = "decimal" } };
            Match(root, 0)["facets"] = new JsonArray("payment", "journey");
        });

        SingleProblem(result, "matches[0].facets[1]", "facet 'journey' has no owner: a match compares the owners' claims");
    }

    [Fact]
    public void Given_a_match_with_a_duration_for_a_decimal_when_read_then_the_tolerance_is_refused()
    {
        SingleProblem(ReadAmountsWith(root => Match(root, 0)["tolerance"] = "PT2S"),
            "matches[0].tolerance", "'PT2S' is not a tolerance");
    }

    [Fact]
    public void Given_the_same_match_twice_when_read_then_the_repeat_is_named()
    {
        SingleProblem(ReadAmountsWith(root => root["matches"]!.AsArray().Add(new JsonObject { ["attribute"] = "amount", ["facets"] = new JsonArray("ledger", "payment") })),
            "matches[2]", "repeats matches[0]");
    }

    [Fact]
    public void Given_a_match_without_an_attribute_when_read_then_it_is_required()
    {
        SingleProblem(ReadAmountsWith(root => Match(root, 1).Remove("attribute")),
            "matches[1].attribute", "is required: name an attribute");
    }

    [Fact]
    public void Given_require_matches_that_is_not_a_boolean_when_read_then_it_is_refused()
    {
        SingleProblem(ReadAmountsWith(root => Rule(root, 1)["requireMatches"] = "yes"),
            "outcomes[1].requireMatches", "must be true or false, not a string");
    }

    [Fact]
    public void Given_require_matches_on_facets_without_attributes_when_read_then_it_is_refused_as_a_no_op()
    {
        SingleProblem(ReadOrderWith(root => Rule(root, 0)["requireMatches"] = true),
            "outcomes[0].requireMatches", "no facet of this rule (payment) declares attributes or takes part in a match");
    }

    [Theory]
    [InlineData("tomorrow", "'tomorrow' is not an ISO-8601 duration (e.g. P1D)")]
    [InlineData("PT0S", "'PT0S' must be a positive duration (e.g. P1D)")]
    public void Given_a_bad_final_after_when_read_then_it_is_refused(string finalAfter, string message)
    {
        SingleProblem(ReadAmountsWith(root => root["finalAfter"] = finalAfter), "finalAfter", message);
    }
}
