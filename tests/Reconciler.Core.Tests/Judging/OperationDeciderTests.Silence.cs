using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>A missing signal told apart from a silent source: the cause is judged when the deadline passes and recorded.</summary>
public sealed partial class OperationDeciderTests
{
    // The ledger (erp) is expected within 10 minutes of a captured payment; erp is silent after 5 minutes without a word.
    private static readonly TruthPolicy Watched = SamplePolicies.Order with
    {
        Sources = ImmutableDictionary<string, SourcePolicy>.Empty.Add("erp", new SourcePolicy(TimeSpan.FromMinutes(5), "PT5M")),
    };

    private static SourceWatch Watch(string source, double? heardAt = null, double? watermark = null) =>
        new(ImmutableDictionary<string, SourceActivity>.Empty.Add(source,
            new SourceActivity(heardAt is { } h ? At(h) : null, watermark is { } w ? At(w) : null)));

    private static Scenario CapturedPayment()
    {
        var s = new Scenario(Watched, "order-silent");
        s.Given(s.Signal("payment-gateway", "payment", "captured", "p1", 0), s.Signal("crm", "journey", "purchased", "c1", 0));
        return s;
    }

    private static ConflictOpened LedgerMissing(IEnumerable<OperationEvent> events) =>
        events.OfType<ConflictOpened>().Single(c => c.Kind == ConflictKinds.Missing && c.Facet == "ledger");

    [Fact]
    public void Given_an_owner_never_heard_from_when_its_deadline_passes_then_the_missing_conflict_says_source_silent()
    {
        var s = CapturedPayment();

        var events = s.When(new Tick(At(601), 1) { Sources = SourceWatch.Empty });

        var passed = events.OfType<DeadlinePassed>().Single(p => p.Facet == "ledger");
        Assert.Equal(MissingCauses.SourceSilent, passed.Cause);
        var opened = LedgerMissing(events);
        Assert.Equal(MissingCauses.SourceSilent, opened.Cause);
        Assert.Contains("erp has never been heard from (silentAfter PT5M)", opened.Detail, StringComparison.Ordinal);
        var silence = opened.Differences!.Single(d => d.Field == "source");
        Assert.Equal(["erp", "silentAfter"], silence.Values.Select(v => v.Key));
        Assert.Equal(MissingCauses.SourceSilent, s.Conflict(ConflictKinds.Missing, "ledger").Cause);
    }

    [Fact]
    public void Given_an_owner_last_heard_longer_ago_than_silent_after_when_the_deadline_passes_then_it_is_silent_since_then()
    {
        var s = CapturedPayment();

        var opened = LedgerMissing(s.When(new Tick(At(601), 1) { Sources = Watch("erp", heardAt: 300) }));

        Assert.Equal(MissingCauses.SourceSilent, opened.Cause);
        Assert.Contains("silent since 2026-11-21T10:05:00", opened.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_an_owner_heard_within_silent_after_when_the_deadline_passes_then_it_is_a_plain_missing_signal()
    {
        var s = CapturedPayment();

        var events = s.When(new Tick(At(601), 1) { Sources = Watch("erp", heardAt: 400) });

        var opened = LedgerMissing(events);
        Assert.Null(opened.Cause);
        Assert.Null(events.OfType<DeadlinePassed>().Single(p => p.Facet == "ledger").Cause);
        Assert.DoesNotContain(opened.Differences!, d => d.Field == "source");
    }

    [Fact]
    public void Given_a_watermark_past_the_deadline_when_it_passes_then_the_signal_is_not_reported_even_from_a_source_without_a_rule()
    {
        var s = CapturedPayment();
        var watch = new SourceWatch(Watch("erp", heardAt: 100, watermark: 600).Sources.Add("crm", new SourceActivity(null, At(1000))));

        var events = s.When(new Tick(At(1000), 1) { Sources = watch });

        var opened = LedgerMissing(events);
        Assert.Equal(MissingCauses.NotReported, opened.Cause);
        Assert.Equal("watermark", opened.Differences![^1].Field);
        Assert.Contains("erp has sent everything it observed up to", opened.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_watermark_before_the_deadline_and_a_silent_owner_when_it_passes_then_silence_is_the_cause()
    {
        var s = CapturedPayment();

        var opened = LedgerMissing(s.When(new Tick(At(601), 1) { Sources = Watch("erp", heardAt: 50, watermark: 50) }));

        Assert.Equal(MissingCauses.SourceSilent, opened.Cause);
    }

    [Fact]
    public void Given_no_source_watch_when_the_deadline_passes_then_nothing_more_is_known_than_missing()
    {
        var s = CapturedPayment();

        Assert.Null(LedgerMissing(s.When(TickAt(601))).Cause);
    }

    [Fact]
    public void Given_a_signal_that_lets_a_deadline_pass_when_judged_then_its_source_watch_judges_the_silence()
    {
        var s = CapturedPayment();

        var events = s.When(s.Signal("warehouse", "inventory", "reserved", "w1", 700) with { Sources = SourceWatch.Empty });

        Assert.Equal(MissingCauses.SourceSilent, LedgerMissing(events).Cause);
    }

    [Fact]
    public void Given_a_recorded_cause_when_the_events_are_folded_again_or_snapshotted_then_it_is_the_same_without_any_watch()
    {
        var s = CapturedPayment();
        s.When(new Tick(At(601), 1) { Sources = SourceWatch.Empty });

        var refolded = OperationDecider.Fold(s.History.Select(e => EventCodec.Deserialize(EventCodec.TypeName(e), EventCodec.Serialize(e))));
        var restored = Reconciler.Core.State.OperationSnapshot.Read(Reconciler.Core.State.OperationSnapshot.Write(s.State))!;

        var id = s.Conflict(ConflictKinds.Missing, "ledger").ConflictId;
        Assert.Equal(MissingCauses.SourceSilent, refolded.Conflicts[id].Cause);
        Assert.Equal(MissingCauses.SourceSilent, restored.Conflicts[id].Cause);
        Assert.Contains("\"cause\":\"source-silent\"", EventCodec.Serialize(s.History.OfType<DeadlinePassed>().First(p => p.Facet == "ledger")), StringComparison.Ordinal);
    }
}
