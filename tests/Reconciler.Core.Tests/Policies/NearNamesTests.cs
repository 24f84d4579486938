using Reconciler.Core.Policies;

namespace Reconciler.Core.Tests.Policies;

/// <summary>The one "did you mean" function, shared by the policy reader and the signal judge.</summary>
public sealed class NearNamesTests
{
    private static readonly string[] Facets = ["payment", "inventory", "ledger", "journey", "notification"];

    [Theory]
    [InlineData("paymnet", "payment")]
    [InlineData("Payment", "payment")]
    [InlineData("ledgr", "ledger")]
    [InlineData("notifcation", "notification")]
    public void Given_a_name_a_few_edits_from_a_known_one_when_suggested_then_the_known_name_is_given(string name, string expected)
    {
        Assert.Equal(expected, NearNames.Suggest(name, Facets));
        Assert.Equal($" (did you mean '{expected}'?)", NearNames.Hint(name, Facets));
    }

    [Theory]
    [InlineData("tax")]
    [InlineData("shipping")]
    [InlineData("")]
    public void Given_a_name_near_no_known_one_when_suggested_then_there_is_no_hint(string name)
    {
        Assert.Null(NearNames.Suggest(name, Facets));
        Assert.Equal("", NearNames.Hint(name, Facets));
    }

    [Fact]
    public void Given_two_candidates_when_suggested_then_the_nearer_one_wins()
    {
        Assert.Equal("captured", NearNames.Suggest("capturd", ["authorized", "captured", "capture-failed"]));
    }
}
