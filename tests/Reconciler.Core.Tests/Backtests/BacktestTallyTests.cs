using System.Collections.Immutable;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Reconciler.Core.Backtests;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.Tests.Support;
using Reconciler.Core.WhatIf;

namespace Reconciler.Core.Tests.Backtests;

/// <summary>The summary of many operations: sums and sorted bounded lists, the same whatever order or share they come in.</summary>
public sealed class BacktestTallyTests
{
    // A candidate that changes much: shorter grace, a one-minute ledger, four-eyes for accepting, and refunds count as failed.
    private static readonly TruthPolicy Candidate = SamplePolicies.Order with
    {
        GraceSeconds = 30,
        Approvals = ImmutableDictionary<string, int>.Empty.Add(Resolutions.Accepted, 2),
        Outcomes = SamplePolicies.Order.Outcomes.Insert(0, SamplePolicies.Rule("failed", ("payment", ["refunded"]))),
    };

    private static readonly Arbitrary<int[][]> Histories = Gen.ArrayOf(Gen.ArrayOf(Gen.Choose(0, int.MaxValue))).ToArbitrary();

    private static List<OperationBacktest> Compare(int[][] seeds) =>
        [.. seeds.Select((s, i) => BacktestComparison.Compare($"op-{i:D3}", Scripts.Play(SamplePolicies.Order, s).History, Candidate, Scenario.At(90_000)))];

    private static BacktestSummary Tally(IEnumerable<OperationBacktest> operations)
    {
        var tally = new BacktestTally();
        foreach (var operation in operations)
        {
            tally.Add(operation);
        }
        return tally.ToSummary().WithHash();
    }

    private static string Json(BacktestSummary summary) => Encoding.UTF8.GetString(BacktestSummary.ToJsonBytes(summary));

    [Fact]
    public void Given_random_operations_when_tallied_in_any_order_or_in_merged_shares_then_the_summary_and_its_hash_are_the_same()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(Histories, Gen.Choose(0, int.MaxValue).ToArbitrary(), (seeds, shuffle) =>
        {
            var operations = Compare(seeds);
            var inOrder = Tally(operations);
            var random = new Random(shuffle);
            var shuffled = operations.OrderBy(_ => random.Next()).ToList();
            var shares = shuffled.Select((o, i) => (o, Share: i % 3)).GroupBy(x => x.Share).Select(g =>
            {
                var part = new BacktestTally();
                foreach (var (operation, _) in g)
                {
                    part.Add(operation);
                }
                return part;
            }).OrderBy(_ => random.Next()).ToList();
            var merged = new BacktestTally();
            shares.ForEach(merged.Merge);
            var resumed = BacktestTally.From(BacktestSummary.FromJson(Json(Tally(shuffled.Take(shuffled.Count / 2)) with { Hash = null })));
            shuffled.Skip(shuffled.Count / 2).ToList().ForEach(resumed.Add);

            return Json(Tally(shuffled)) == Json(inOrder)
                && Json(merged.ToSummary().WithHash()) == Json(inOrder)
                && Json(resumed.ToSummary().WithHash()) == Json(inOrder)
                && inOrder.Hash!.StartsWith("sha256:", StringComparison.Ordinal);
        }));
    }

    [Fact]
    public void Given_random_operations_when_tallied_then_the_outcome_matrix_counts_what_each_what_if_replay_says()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(Histories, seeds =>
        {
            var summary = Tally(Compare(seeds));
            var expected = seeds.Select(s =>
            {
                var history = Scripts.Play(SamplePolicies.Order, s).History;
                return (OperationDecider.Fold(history).Outcome, WhatIfReplay.Run(history, Candidate, 0, Scenario.At(90_000)).State.Outcome);
            }).GroupBy(p => p).Select(g => new Transition(g.Key.Item1, g.Key.Item2, g.Count()))
              .OrderBy(t => t.From, StringComparer.Ordinal).ThenBy(t => t.To, StringComparer.Ordinal);
            return summary.Operations == seeds.Length && summary.Outcomes.SequenceEqual(expected);
        }));
    }

    [Fact]
    public void Given_more_changed_operations_than_examples_when_tallied_then_the_twenty_smallest_ids_are_kept_in_order()
    {
        var tally = new BacktestTally();
        foreach (var i in Enumerable.Range(0, 50).Reverse())
        {
            tally.Add(Flipped($"op-{i:D2}"));
        }

        var summary = tally.ToSummary();

        var examples = Assert.Single(summary.Examples);
        Assert.Equal("outcome:succeeded->failed", examples.Change);
        Assert.Equal(Enumerable.Range(0, BacktestTally.ExamplesPerChange).Select(i => $"op-{i:D2}"), examples.OperationIds);
        Assert.Equal([new Transition("succeeded", "failed", 50)], summary.Outcomes);
        Assert.Equal(50, summary.Changed);
    }

    [Fact]
    public void Given_more_decisions_at_risk_than_listed_when_tallied_then_all_are_counted_and_the_oldest_are_listed()
    {
        var tally = new BacktestTally();
        foreach (var i in Enumerable.Range(0, 150).Reverse())
        {
            var decision = new DecisionAtRisk($"op-{i:D3}", $"disagreement-{i:D16}", ConflictKinds.Disagreement, Decisions.Resolution, Resolutions.Accepted,
                "ann", Scenario.At(i), "fine", DecisionRisks.ConflictNotRecorded, null);
            tally.Add(Flipped($"op-{i:D3}") with { Decisions = [decision] });
        }

        var decisions = tally.ToSummary().DecisionsAtRisk;

        Assert.Equal(150, decisions.Total);
        Assert.Equal([new DecisionCount(Decisions.Resolution, DecisionRisks.ConflictNotRecorded, 150)], decisions.Counts);
        Assert.Equal(Enumerable.Range(0, BacktestTally.ListedDecisions).Select(i => Scenario.At(i)), decisions.Items.Select(d => d.DecidedAt));
    }

    private static OperationBacktest Flipped(string operationId) =>
        new(operationId, "succeeded", "failed", Finalities.Agreed, Finalities.Agreed, [new WhatIfChange("outcome", "outcome", "succeeded", "failed")],
            [], [], [], RejudgeFigures.None);
}
