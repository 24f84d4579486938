using Reconciler.Core.Judging;

namespace Reconciler.Core.Tests.Judging;

public sealed class SignalContentTests
{
    private static readonly Signal Sample = new("order-1001", "order", "pgw-delivery-77", "payment", "captured",
        new DateTimeOffset(2026, 11, 21, 10, 0, 3, TimeSpan.Zero), 12, "txn-9f2", """{"amount":"129.90","currency":"EUR"}""", "c-1", "x-9");

    [Fact]
    public void Given_a_signal_when_hashed_then_the_hash_is_stable_sha256_hex()
    {
        var hash = SignalContent.Hash(Sample);

        // Stored receipts are compared with hashes computed by later versions: this value must never change.
        Assert.Equal(PinnedHash, hash);
        Assert.Equal(64, hash.Length);
    }

    [Fact]
    public void Given_signals_that_differ_in_one_field_when_hashed_then_the_hashes_differ()
    {
        var variants = new[]
        {
            Sample, Sample with { State = "authorized" }, Sample with { ObservedAt = null }, Sample with { SourceSequence = null },
            Sample with { EffectKey = null }, Sample with { EffectKey = "" }, Sample with { AttributesJson = null }, Sample with { CorrelationId = null },
            Sample with { CausationId = "x-8" }, Sample with { Facet = "paymen", State = "tcaptured" },
        };

        Assert.Equal(variants.Length, variants.Select(SignalContent.Hash).Distinct().Count());
    }

    private const string PinnedHash = "522f6ac02f928a61f6b9fbdc9bc456245ebe9a4deedd501369de1c4a5104e2f9";
}
