using Reconciler.AuditConsole;

namespace Reconciler.IntegrationTests.Console;

/// <summary>How the console words what records hold: durations as people say them.</summary>
public sealed class ConsoleTextTests
{
    [Theory]
    [InlineData("'payment' became 'captured' but nobody reported 'ledger' within PT3S.", "'payment' became 'captured' but nobody reported 'ledger' within 3 s.")]
    [InlineData("'journey' is 'abandoned-cart', not 'purchased', after PT5M.", "'journey' is 'abandoned-cart', not 'purchased', after 5 min.")]
    [InlineData("within PT1H30M, PT0.5S or P1D (silentAfter PT90S)", "within 1 h 30 min, 500 ms or 1 d (silentAfter 1 min 30 s)")]
    [InlineData("P2W", "14 d")]
    public void Given_a_sentence_with_iso_durations_when_worded_for_people_then_each_reads_as_people_say_it(string sentence, string expected)
    {
        Assert.Equal(expected, Records.HumanDurations(sentence));
    }

    [Theory]
    [InlineData("The policy does not name facet 'PT' (did you mean 'PTO'?).")]
    [InlineData("signal P2P-7 and state 'P1DX' and PT-3S")]
    [InlineData("P1M is a month: the engine refuses it")]
    public void Given_words_that_only_look_like_durations_when_worded_for_people_then_they_stay_as_they_are(string sentence)
    {
        Assert.Equal(sentence, Records.HumanDurations(sentence));
    }
}
