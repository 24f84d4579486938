using FsCheck;
using FsCheck.Fluent;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.Tests.Support;

namespace Reconciler.Core.Tests.Judging;

/// <summary>Reading declared attributes out of a signal and comparing two values by type and tolerance.</summary>
public sealed class AttributeComparisonTests
{
    private static readonly AttributeTolerance Cent = new("0.01", 0.01m, false, TimeSpan.Zero);
    private static readonly AttributeTolerance HalfPercent = new("0.5%", 0.5m, true, TimeSpan.Zero);
    private static readonly AttributeTolerance TwoSeconds = new("PT2S", 0, false, TimeSpan.FromSeconds(2));

    [Theory]
    [InlineData("\"129.90\"", "\"129.91\"", Comparison.Agree)]
    [InlineData("\"129.90\"", "129.9", Comparison.Agree)]
    [InlineData("\"129.90\"", "\"129.92\"", Comparison.Differ)]
    [InlineData("\"129.90\"", "\"129.00\"", Comparison.Differ)]
    [InlineData("\"-0.005\"", "\"0.005\"", Comparison.Agree)]
    [InlineData("\"1e2\"", "\"100.01\"", Comparison.Agree)]
    [InlineData("\"12,50\"", "\"12.50\"", Comparison.Incomparable)]
    [InlineData("true", "\"1\"", Comparison.Incomparable)]
    [InlineData("\" 12\"", "\"12\"", Comparison.Incomparable)]
    public void Given_an_absolute_tolerance_when_decimals_are_compared_then_the_distance_decides(string a, string b, Comparison expected)
    {
        Assert.Equal(expected, AttributeComparison.Compare(AttributeType.Decimal, Cent, a, b));
    }

    [Theory]
    [InlineData("\"100.00\"", "\"100.50\"", Comparison.Agree)]
    [InlineData("\"100.00\"", "\"100.60\"", Comparison.Differ)]
    [InlineData("\"1000\"", "\"1005\"", Comparison.Agree)]
    [InlineData("\"0\"", "\"0.001\"", Comparison.Differ)]
    [InlineData("\"-100\"", "\"-100.5\"", Comparison.Agree)]
    public void Given_a_relative_tolerance_when_decimals_are_compared_then_it_is_a_share_of_the_larger(string a, string b, Comparison expected)
    {
        Assert.Equal(expected, AttributeComparison.Compare(AttributeType.Decimal, HalfPercent, a, b));
    }

    [Fact]
    public void Given_no_tolerance_when_decimals_are_compared_then_equal_numbers_agree_whatever_their_spelling()
    {
        Assert.Equal(Comparison.Agree, AttributeComparison.Compare(AttributeType.Decimal, null, "\"129.90\"", "129.9"));
        Assert.Equal(Comparison.Differ, AttributeComparison.Compare(AttributeType.Decimal, null, "\"129.90\"", "\"129.901\""));
    }

    [Fact]
    public void Given_decimals_at_opposite_limits_when_compared_then_they_differ_instead_of_overflowing()
    {
        var max = decimal.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(Comparison.Differ, AttributeComparison.Compare(AttributeType.Decimal, HalfPercent, max, "-" + max));
    }

    [Theory]
    [InlineData("\"2026-11-21T10:00:00Z\"", "\"2026-11-21T11:00:02+01:00\"", Comparison.Agree)]
    [InlineData("\"2026-11-21T10:00:00Z\"", "\"2026-11-21T10:00:02.5Z\"", Comparison.Differ)]
    [InlineData("\"2026-11-21T10:00:00\"", "\"2026-11-21T10:00:01Z\"", Comparison.Agree)]
    [InlineData("\"yesterday\"", "\"2026-11-21T10:00:00Z\"", Comparison.Incomparable)]
    [InlineData("1700000000", "\"2026-11-21T10:00:00Z\"", Comparison.Incomparable)]
    public void Given_a_duration_tolerance_when_times_are_compared_then_instants_are_compared(string a, string b, Comparison expected)
    {
        Assert.Equal(expected, AttributeComparison.Compare(AttributeType.Time, TwoSeconds, a, b));
    }

    [Theory]
    [InlineData("\"EUR\"", "\"EUR\"", Comparison.Agree)]
    [InlineData("\"EUR\"", "\"eur\"", Comparison.Differ)]
    [InlineData("\"42\"", "42", Comparison.Agree)]
    [InlineData("{\"a\":1}", "{\"a\":1}", Comparison.Agree)]
    public void Given_exact_values_when_compared_then_their_text_must_be_equal(string a, string b, Comparison expected)
    {
        Assert.Equal(expected, AttributeComparison.Compare(AttributeType.Exact, null, a, b));
    }

    [Theory]
    [InlineData("""{"amount":"129.90"}""", "amount", "\"129.90\"")]
    [InlineData("""{"totals":{"gross":129.9,"net":100}}""", "totals.gross", "129.9")]
    [InlineData("""{"totals":{"gross":129.9}}""", "totals.tax", null)]
    [InlineData("""{"totals":"129.9"}""", "totals.gross", null)]
    [InlineData("""{"amount":null}""", "amount", null)]
    [InlineData(null, "amount", null)]
    public void Given_attributes_when_a_path_is_read_then_nested_objects_are_followed(string? attributes, string path, string? expected)
    {
        Assert.Equal(expected, AttributeValues.Find(attributes, path));
    }

    /// <summary>Values drawn around each other: equal, close, far, other spellings, unparsable; tolerances of each form.</summary>
    private static readonly Gen<(AttributeType, AttributeTolerance?, string, string)> Pairs =
        from type in Gen.Elements(AttributeType.Decimal, AttributeType.Time, AttributeType.Exact)
        from tolerance in Gen.Elements<AttributeTolerance?>(null, Cent, HalfPercent, TwoSeconds,
            new("0.5", 0.5m, false, TimeSpan.Zero), new("100%", 100m, true, TimeSpan.Zero))
        from a in Gen.Choose(-20_000, 20_000)
        from delta in Gen.Choose(-300, 300)
        from spelling in Gen.Choose(0, 3)
        select (type, tolerance, Value(type, a, 0), Value(type, a + delta, spelling));

    private static string Value(AttributeType type, int n, int spelling) => (type, spelling) switch
    {
        (_, 3) => "\"n/a\"",
        (AttributeType.Time, _) => $"\"{Scenario.T0.AddMilliseconds(n * 10):O}\"",
        (_, 1) => (n / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => $"\"{(n / 100m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}\"",
    };

    [Fact]
    public void Given_any_two_values_when_compared_either_way_round_then_the_result_is_the_same()
    {
        Check.One(Scripts.Thousand, Prop.ForAll(Pairs.ToArbitrary(), pair =>
        {
            var (type, tolerance, a, b) = pair;
            return AttributeComparison.Compare(type, tolerance, a, b) == AttributeComparison.Compare(type, tolerance, b, a);
        }));
    }
}
