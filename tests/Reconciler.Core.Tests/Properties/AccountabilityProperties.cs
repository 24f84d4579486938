using FsCheck;
using FsCheck.Fluent;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.State;
using Reconciler.Core.Tests.Support;

namespace Reconciler.Core.Tests.Properties;

/// <summary>Decisions and their events agree, and people's steps on conflicts are idempotent, over random scripts (1,000 cases each).</summary>
public sealed class AccountabilityProperties
{
    [Theory]
    [MemberData(nameof(Scripts.PolicyNames), MemberType = typeof(Scripts))]
    public void Given_any_history_when_each_command_is_handled_then_the_state_it_returns_is_the_fold_of_the_events_it_decided(string policy)
    {
        Check.One(Scripts.TwoHundred, Prop.ForAll(Scripts.Seeds, seeds =>
        {
            var script = Scripts.Play(Scripts.PolicyNamed(policy), seeds, tickAtDeadlines: seeds.Length % 2 == 0);
            var state = OperationState.Initial;
            var decided = new List<OperationEvent>();
            foreach (var command in script.Commands)
            {
                var (events, handled) = OperationDecider.Handle(state, script.Policy, command);
                var folded = events.Aggregate(state, OperationDecider.Evolve);
                if (StateDump.Of(handled) != StateDump.Of(folded) || handled.NextDeadline != folded.NextDeadline)
                {
                    return false;
                }

                decided.AddRange(events);
                state = handled;
            }

            return decided.Select(EventCodec.Serialize).SequenceEqual(script.History.Select(EventCodec.Serialize))
                && StateDump.Of(OperationDecider.Fold(decided)) == StateDump.Of(state);
        }));
    }

    [Theory]
    [MemberData(nameof(Scripts.PolicyNames), MemberType = typeof(Scripts))]
    public void Given_any_history_when_a_tick_comes_at_the_next_deadline_then_it_decides_something_and_the_earliest_conflict_due_is_kept_right(string policy)
    {
        // A deadline that a tick at it leaves in place would have the deadline worker tick the operation again and again.
        Check.One(Scripts.TwoHundred, Prop.ForAll(Scripts.Seeds, seeds =>
        {
            var script = Scripts.Play(Scripts.PolicyNamed(policy), seeds);
            var earliest = script.State.Conflicts.Values.Where(c => c.IsOpen && c.DueBy is not null && c.OverdueAt is null).Select(c => c.DueBy).Min();
            if (script.State.ConflictsDue != earliest)
            {
                return false;
            }

            return script.State.NextDeadline is not { } due || (script.When(new Tick(due, 1)).Count > 0 && script.State.NextDeadline != due);
        }));
    }

    [Fact]
    public void Given_any_history_when_a_step_on_an_open_conflict_is_repeated_then_the_repeat_decides_nothing()
    {
        Check.One(Scripts.TwoHundred, Prop.ForAll(Scripts.Seeds, Gen.Choose(0, int.MaxValue).ToArbitrary(), (seeds, n) =>
        {
            var script = Scripts.Play(SamplePolicies.Accountable, seeds, tickAtDeadlines: true);
            var at = (script.State.UpdatedAt ?? Scenario.T0).AddSeconds(1);
            Scripts.TickUntil(script, at);
            if (script.State.OpenConflictCount == 0)
            {
                return true;
            }

            var step = Scripts.Lifecycle(script, n, at);
            var news = step switch
            {
                AcknowledgeConflict a => script.State.Conflicts[a.ConflictId].AcknowledgedBy != a.AcknowledgedBy,
                SnoozeConflict z => (script.State.Conflicts[z.ConflictId].SnoozedUntil, script.State.Conflicts[z.ConflictId].SnoozeReason) != (z.Until, z.Reason),
                _ => true,
            };
            var first = script.When(step);
            var after = StateDump.Of(script.State);
            var again = script.When(step);
            return first.Count == (news ? 1 : 0)
                && first.All(e => e is ConflictAcknowledged or ConflictSnoozed or ConflictAssigned)
                && again.Count == 0
                && StateDump.Of(script.State) == after;
        }));
    }

    [Fact]
    public void Given_histories_with_people_accountable_when_played_then_they_reach_every_accountability_event_and_conflict()
    {
        // The properties only say something about accountability if the scripts reach it: fixed pseudo-random scripts, the same every run.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var random = new Random(2023);
        for (var run = 0; run < 1000; run++)
        {
            var seeds = Enumerable.Range(0, random.Next(1, 100)).Select(_ => random.Next()).ToArray();
            var script = Scripts.Play(SamplePolicies.Accountable, seeds, tickAtDeadlines: run % 2 == 0);
            seen.UnionWith(script.History.Select(EventCodec.TypeName));
            seen.UnionWith(script.History.OfType<ConflictResolved>().Select(r => r.Kind + "/" + r.Resolution));
        }

        string[] wanted = ["FinishClockStarted", "ConflictAcknowledged", "ConflictSnoozed", "ConflictAssigned", "ConflictOverdue", "ConflictEscalated",
            ConflictKinds.Unfinished + "/" + Resolutions.Finished];
        Assert.Empty(wanted.Except(seen));
    }
}
