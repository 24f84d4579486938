using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Reconciler.Core.Storms;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Storms;

/// <summary>The conflict-storm guard: raised once past the threshold, notified once a minute while it grows, ended after five quiet minutes.</summary>
public sealed class StormGuardTests
{
    private static readonly StormRules Rules = StormRules.Default;

    private static ConflictObserved Missing(double seconds, int threshold = 10, string source = "erp", string type = "order", string kind = "missing") =>
        new(type, kind, [source, "payment-gateway"], At(seconds), threshold);

    private static (StormState State, List<SystemEvent> Events) Run(IEnumerable<StormInput> inputs, StormState? from = null)
    {
        var state = from ?? StormState.Initial;
        var events = new List<SystemEvent>();
        foreach (var input in inputs)
        {
            IReadOnlyList<SystemEvent> decided;
            (state, decided) = StormGuard.Step(state, input, Rules);
            events.AddRange(decided);
        }

        return (state, events);
    }

    [Fact]
    public void Given_conflicts_up_to_the_threshold_within_a_minute_when_one_more_opens_then_a_storm_starts_once()
    {
        var (_, upTo) = Run(Enumerable.Range(0, 10).Select(i => Missing(i)));
        Assert.Empty(upTo);

        var (state, events) = Run(Enumerable.Range(0, 30).Select(i => Missing(i * 0.5)));

        var started = Assert.IsType<ConflictStormStarted>(Assert.Single(events));
        Assert.Equal(("order", "missing", 11L, 10), (started.OperationType, started.Kind, started.Count, started.Threshold));
        Assert.Equal(["erp", "payment-gateway"], started.Sources);
        Assert.Equal(At(5), started.At);
        var (_, _, storm) = Assert.Single(state.Active);
        Assert.Equal(30, storm.Count);
    }

    [Fact]
    public void Given_conflicts_spread_wider_than_a_minute_when_counted_then_no_storm_starts()
    {
        var (state, events) = Run(Enumerable.Range(0, 100).Select(i => Missing(i * 7)));

        Assert.Empty(events);
        Assert.Empty(state.Active);
    }

    [Fact]
    public void Given_other_kinds_and_types_when_counted_then_each_has_its_own_rate()
    {
        var inputs = Enumerable.Range(0, 8).SelectMany(i => new[] { Missing(i), Missing(i, kind: "disagreement"), Missing(i, type: "refund") });

        Assert.Empty(Run(inputs).Events);
    }

    [Fact]
    public void Given_a_storm_when_it_keeps_growing_then_it_notifies_once_a_minute_with_the_count_and_only_when_it_grew()
    {
        var (state, _) = Run(Enumerable.Range(0, 11).Select(i => Missing(i)));

        var (after, events) = Run(
            Enumerable.Range(0, 40).Select(i => (StormInput)Missing(11 + i)).Append(new StormClock(At(65))).Append(new StormClock(At(75)))
                .Append(new StormClock(At(90))).Append(new StormClock(At(140))), state);

        var continued = Assert.IsType<ConflictStormContinued>(Assert.Single(events));
        Assert.Equal((51L, 40L, At(75)), (continued.Count, continued.Since, continued.At)); // a minute after the start, not before
        Assert.Equal(51, Assert.Single(after.Active).Storm.NotifiedCount);
    }

    [Fact]
    public void Given_a_storm_when_the_rate_stays_below_the_threshold_for_five_minutes_then_it_ends_once()
    {
        var (state, _) = Run(Enumerable.Range(0, 20).Select(i => Missing(i)));

        // The window empties at 80 s: below the threshold from the first look after that.
        var (after, events) = Run([new StormClock(At(85)), new StormClock(At(200)), new StormClock(At(384)), new StormClock(At(385)), new StormClock(At(400))], state);

        Assert.Equal(["ConflictStormContinued", "ConflictStormEnded"], events.Select(SystemEventCodec.TypeName));
        var ended = events.OfType<ConflictStormEnded>().Single();
        Assert.Equal((20L, At(10), At(385)), (ended.Count, ended.StartedAt, ended.At));
        Assert.Empty(after.Active);
        Assert.Empty(after.Tracks);
    }

    [Fact]
    public void Given_a_storm_whose_rate_rises_again_while_quieting_when_time_passes_then_the_quiet_five_minutes_start_over()
    {
        var (state, _) = Run(Enumerable.Range(0, 20).Select(i => Missing(i)));
        var burst = Enumerable.Range(0, 15).Select(i => (StormInput)Missing(200 + i * 0.1));

        // Quiet from 85 s, busy again at 200 s, quiet again once the burst left the window (seen at 390 s).
        var (after, events) = Run(new StormInput[] { new StormClock(At(85)) }.Concat(burst)
            .Append(new StormClock(At(390))).Append(new StormClock(At(689))).Append(new StormClock(At(690))), state);

        var ended = events.OfType<ConflictStormEnded>().Single();
        Assert.Equal(At(690), ended.At);
        Assert.Equal(35, ended.Count);
        Assert.Empty(after.Active);
    }

    [Fact]
    public void Given_system_events_when_serialized_then_they_round_trip_under_their_stored_names()
    {
        var (_, events) = Run(Enumerable.Range(0, 20).Select(i => (StormInput)Missing(i)).Append(new StormClock(At(85))).Append(new StormClock(At(400))));

        Assert.Equal(["ConflictStormStarted", "ConflictStormContinued", "ConflictStormEnded"], events.Select(SystemEventCodec.TypeName));
        foreach (var e in events)
        {
            var json = SystemEventCodec.Serialize(e);
            Assert.Equal(json, SystemEventCodec.Serialize(SystemEventCodec.Deserialize(SystemEventCodec.TypeName(e), json)));
        }

        Assert.Contains("\"stormId\":\"storm-order-missing-20261121T100010.000Z\"", SystemEventCodec.Serialize(events[0]), StringComparison.Ordinal);
    }

    [Fact]
    public void Given_any_stream_of_conflicts_and_clock_ticks_then_storms_alternate_start_and_end_and_a_storm_starts_only_past_the_threshold()
    {
        var inputs = Gen.ListOf(Gen.Zip(Gen.Choose(0, 2), Gen.Choose(0, 900))).Select(l => l.OrderBy(x => x.Item2).ToList());
        Check.One(Scripts.Thousand, Prop.ForAll(inputs.ToArbitrary(), script =>
        {
            var steps = script.Select(x => x.Item1 == 0 ? (StormInput)new StormClock(At(x.Item2)) : Missing(x.Item2 + x.Item1 * 0.3, threshold: 3)).ToList();
            var (_, events) = Run(steps);
            var (_, again) = Run(steps);
            var alternate = events.Where(e => e is not ConflictStormContinued).Select((e, i) => i % 2 == 0 ? e is ConflictStormStarted : e is ConflictStormEnded).All(ok => ok);
            return (alternate && events.SequenceEqual(again, SameEvent.Instance) && events.OfType<ConflictStormStarted>().All(s => s.Count > 3)).Label(string.Join(", ", events));
        }));
    }

    private sealed class SameEvent : IEqualityComparer<SystemEvent>
    {
        public static readonly SameEvent Instance = new();

        public bool Equals(SystemEvent? x, SystemEvent? y) => SystemEventCodec.Serialize(x!) == SystemEventCodec.Serialize(y!);

        public int GetHashCode(SystemEvent obj) => SystemEventCodec.Serialize(obj).GetHashCode(StringComparison.Ordinal);
    }
}
