using System.Text;
using Reconciler.Http;

namespace Reconciler.IntegrationTests.Input;

/// <summary>The input rules over JSON bodies: each string and property name is strict UTF-8, paired surrogates, no NUL.</summary>
public sealed class StrictJsonTests
{
    private static JsonTextProblem? Check(byte[] json) => StrictJson.FindProblem(json);

    private static byte[] Bytes(params object[] parts) =>
        [.. parts.SelectMany(p => p is byte[] raw ? raw : Encoding.UTF8.GetBytes((string)p))];

    [Fact]
    public void Given_invalid_utf8_inside_a_facet_when_checked_then_the_facet_is_named()
    {
        // The surrogate U+D800 encoded as if it were a character (CESU-8): not valid UTF-8.
        var problem = Check(Bytes("{\"facet\":\"charge", new byte[] { 0xed, 0xa0, 0x80 }, "\"}"));

        Assert.Equal(new JsonTextProblem("facet", "invalid-utf8", problem!.Message), problem);
        Assert.Contains("not valid UTF-8", problem.Message);
    }

    [Fact]
    public void Given_invalid_utf8_in_a_policy_state_when_checked_then_the_path_points_into_the_array()
    {
        var problem = Check(Bytes("{\"facets\":{\"payment\":{\"states\":[\"ok\",\"capt", new byte[] { 0xff, 0xfe }, "ured\"]}}}"));

        Assert.Equal("facets.payment.states[1]", problem!.Field);
        Assert.Equal("invalid-utf8", problem.Slug);
    }

    [Fact]
    public void Given_invalid_utf8_in_an_attribute_value_or_name_when_checked_then_it_is_refused()
    {
        var value = Check(Bytes("{\"attributes\":{\"amount\":\"1.00", new byte[] { 0xc3, 0x28 }, "\"}}"));
        var name = Check(Bytes("{\"attributes\":{\"am", new byte[] { 0xff }, "ount\":\"1.00\"}}"));

        Assert.Equal(("attributes.amount", "invalid-utf8"), (value!.Field, value.Slug));
        Assert.Equal(("attributes", "invalid-utf8"), (name!.Field, name.Slug));
        Assert.Contains("property name", name.Message);
    }

    [Theory]
    [InlineData("{\"facet\":\"\\udfff\"}")]
    [InlineData("{\"facet\":\"\\ud800x\"}")]
    [InlineData("{\"signals\":[{},{\"facet\":\"a\\ud83d\"}]}")]
    public void Given_an_unpaired_surrogate_escape_when_checked_then_it_is_refused(string json)
    {
        var problem = Check(Encoding.UTF8.GetBytes(json));

        Assert.Equal("unpaired-surrogate", problem!.Slug);
    }

    [Fact]
    public void Given_a_nul_escape_in_any_field_when_checked_then_the_field_is_named()
    {
        var problem = Check(Encoding.UTF8.GetBytes("{\"signals\":[{\"facet\":\"ok\"},{\"reason\":\"a\\u0000b\"}]}"));

        Assert.Equal(("signals[1].reason", "nul-character"), (problem!.Field, problem.Slug));
    }

    [Theory]
    [InlineData("{\"facet\":\"caf\\u00e9 \\ud83d\\ude00 \u202e\",\"n\":[1,true,null,{\"a\":\"\\t\"}]}")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    public void Given_valid_text_including_escapes_and_pairs_when_checked_then_there_is_no_problem(string json) =>
        Assert.Null(Check(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Given_malformed_json_when_parsed_then_the_problem_is_malformed_json()
    {
        var (document, problem) = StrictJson.Parse(Encoding.UTF8.GetBytes("{\"a\":"));

        Assert.Null(document);
        Assert.Equal("malformed-json", problem!.Slug);
    }

    [Fact]
    public void Given_nesting_deeper_than_the_limit_when_parsed_then_it_is_malformed_not_a_crash()
    {
        var json = new string('[', StrictJson.MaxDepth + 1) + new string(']', StrictJson.MaxDepth + 1);

        var (_, problem) = StrictJson.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal("malformed-json", problem!.Slug);
    }

    [Fact]
    public void Given_a_property_given_twice_in_one_object_when_checked_then_it_is_refused_but_not_across_objects()
    {
        var problem = Check(Encoding.UTF8.GetBytes("{\"signals\":[{\"facet\":\"a\"},{\"facet\":\"a\",\"x\":{\"facet\":1},\"facet\":\"b\"}]}"));

        Assert.Equal(("signals[1].facet", "repeated-property"), (problem!.Field, problem.Slug));
    }
}
