using Reconciler.Http;

namespace Reconciler.IntegrationTests.Input;

/// <summary>Times are ISO-8601 date and time with an explicit offset, nothing else.</summary>
public sealed class IsoTimeTests
{
    [Theory]
    [InlineData("2026-11-21T10:00:03Z", "2026-11-21T10:00:03+00:00")]
    [InlineData("2026-11-21T11:00:03.5+01:00", "2026-11-21T10:00:03.5+00:00")]
    [InlineData("2026-11-21t10:00z", "2026-11-21T10:00:00+00:00")]
    [InlineData("2026-11-21T10:00:03.1234567-05:30", "2026-11-21T15:30:03.1234567+00:00")]
    public void Given_an_iso_time_with_an_offset_when_parsed_then_it_is_that_instant(string text, string expected)
    {
        Assert.True(IsoTime.TryParse(text, out var time));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), time);
    }

    [Theory]
    [InlineData("2026-11-21")]
    [InlineData("2026-11-21T10:00:03")]
    [InlineData("2026-11-21 10:00:03Z")]
    [InlineData("2026-11-21T10:00:03+0100")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("2026-02-30T00:00:00Z")]
    [InlineData("12/01/2026 10:00")]
    [InlineData("yesterday")]
    [InlineData("2026-11-21T10:00:03.12345678Z")]
    [InlineData("٢٠٢٦-11-21T10:00:03Z")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("")]
    public void Given_anything_else_when_parsed_then_it_is_refused(string text) =>
        Assert.False(IsoTime.TryParse(text, out _));
}
