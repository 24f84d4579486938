using Reconciler.Core.Policies;

namespace Reconciler.Core.Tests.Policies;

public sealed class IsoDurationTests
{
    [Theory]
    [InlineData("PT10M", 600)]
    [InlineData("PT5M", 300)]
    [InlineData("PT1H30M", 5400)]
    [InlineData("P1D", 86400)]
    [InlineData("P1DT2H3M4S", 93784)]
    [InlineData("P2W", 1209600)]
    [InlineData("PT0.5S", 0.5)]
    [InlineData("PT1,25S", 1.25)]
    [InlineData("PT1.5M", 90)]
    [InlineData("PT36H", 129600)]
    [InlineData("PT0S", 0)]
    [InlineData("-PT1M", -60)]
    public void Given_a_valid_duration_when_parsed_then_it_has_the_expected_length(string text, double seconds)
    {
        Assert.True(IsoDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1DT")]
    [InlineData("10M")]
    [InlineData("PT10")]
    [InlineData("pt10m")]
    [InlineData("P1Y")]
    [InlineData("P1M")]
    [InlineData("PT1M1H")]
    [InlineData("PT1.5M30S")]
    [InlineData("P1W2D")]
    [InlineData("PT.5S")]
    [InlineData("PT5.S")]
    [InlineData("PT1H ")]
    [InlineData("PT-5M")]
    [InlineData("P99999999999999999999D")]
    [InlineData("ten minutes")]
    public void Given_an_invalid_duration_when_parsed_then_it_is_refused(string text)
    {
        Assert.False(IsoDuration.TryParse(text, out _));
    }

    [Theory]
    [InlineData(600, "PT10M")]
    [InlineData(90, "PT1M30S")]
    [InlineData(0, "PT0S")]
    [InlineData(0.5, "PT0.5S")]
    [InlineData(93784, "P1DT2H3M4S")]
    [InlineData(86400, "P1D")]
    [InlineData(-60, "-PT1M")]
    public void Given_a_duration_when_formatted_then_it_is_the_shortest_form_and_parses_back(double seconds, string expected)
    {
        var text = IsoDuration.Format(TimeSpan.FromSeconds(seconds));

        Assert.Equal(expected, text);
        Assert.True(IsoDuration.TryParse(text, out var back));
        Assert.Equal(TimeSpan.FromSeconds(seconds), back);
    }
}
