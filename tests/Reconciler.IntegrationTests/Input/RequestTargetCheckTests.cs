using Reconciler.Http;

namespace Reconciler.IntegrationTests.Input;

/// <summary>The input rules over request targets: strict percent-decoding, no control characters, limits, parameters once.</summary>
public sealed class RequestTargetCheckTests
{
    [Theory]
    [InlineData("/v1/conflicts?kind=%00", "'kind'")]
    [InlineData("/v1/conflicts?kind=open&operationType=%09", "'operationType'")]
    [InlineData("/v1/conflicts?facet=%ff", "'facet'")]
    [InlineData("/v1/conflicts?facet=%C0%AF", "'facet'")]
    [InlineData("/v1/conflicts?facet=100%", "'facet'")]
    [InlineData("/v1/conflicts?kind=a&kind=b", "more than once")]
    [InlineData("/v1/conflicts?k%00ind=a", "name")]
    public void Given_a_bad_query_when_checked_then_it_is_invalid_query_naming_the_parameter(string target, string named)
    {
        var problem = RequestTargetCheck.FindProblem(target);

        Assert.Equal("invalid-query", problem!.Value.Slug);
        Assert.Contains(named, problem.Value.Detail);
    }

    [Fact]
    public void Given_an_overlong_query_value_when_checked_then_the_limit_is_named()
    {
        var problem = RequestTargetCheck.FindProblem("/v1/conflicts?facet=" + new string('a', InputRules.MaxQueryValueLength + 1));

        Assert.Contains($"at most {InputRules.MaxQueryValueLength}", problem!.Value.Detail);
    }

    [Theory]
    [InlineData("/v1/operations/a%ffb")]
    [InlineData("/v1/operations/a%01b")]
    [InlineData("/v1/operations/a%zz")]
    public void Given_a_bad_path_segment_when_checked_then_it_is_invalid_path(string target) =>
        Assert.Equal("invalid-path", RequestTargetCheck.FindProblem(target)!.Value.Slug);

    [Fact]
    public void Given_an_overlong_path_segment_when_checked_then_it_is_invalid_path() =>
        Assert.Equal("invalid-path", RequestTargetCheck.FindProblem("/v1/operations/" + new string('x', InputRules.MaxPathSegmentLength + 1))!.Value.Slug);

    [Theory]
    [InlineData("/v1/conflicts?kind=missing&facet=%E2%80%AE&from=2026-11-21T10%3A00%3A03Z&limit=")]
    [InlineData("/v1/operations/order-1%3Aa?version=2")]
    [InlineData("/v1/feed?types=OutcomeDeclared,ConflictOpened&after=")]
    [InlineData("/v1/conflicts?reason=a+b&")]
    public void Given_well_formed_targets_when_checked_then_they_pass(string target) =>
        Assert.Null(RequestTargetCheck.FindProblem(target));
}
