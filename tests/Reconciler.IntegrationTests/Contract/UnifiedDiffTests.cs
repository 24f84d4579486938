namespace Reconciler.IntegrationTests.Contract;

/// <summary>The diff the snapshot test fails with: changed lines marked, three lines of context, line numbers of both sides.</summary>
public sealed class UnifiedDiffTests
{
    [Fact]
    public void Given_a_line_changed_and_one_added_far_apart_when_diffed_then_each_shows_in_its_own_hunk_with_context()
    {
        var before = string.Join('\n', Enumerable.Range(1, 20).Select(i => $"line {i}"));
        var after = before.Replace("line 3", "line three", StringComparison.Ordinal).Replace("line 17", "line 17\nline 17b", StringComparison.Ordinal);

        var diff = UnifiedDiff.Of(before, after, "approved", "received");

        Assert.Equal(
            """
            --- approved
            +++ received
            @@ -1,6 +1,6 @@
             line 1
             line 2
            -line 3
            +line three
             line 4
             line 5
             line 6
            @@ -15,6 +15,7 @@
             line 15
             line 16
             line 17
            +line 17b
             line 18
             line 19
             line 20

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            diff);
    }

    [Fact]
    public void Given_equal_texts_when_diffed_then_only_the_names_are_shown()
    {
        Assert.Equal("--- a\n+++ b\n", UnifiedDiff.Of("x\ny", "x\ny", "a", "b"));
    }
}
