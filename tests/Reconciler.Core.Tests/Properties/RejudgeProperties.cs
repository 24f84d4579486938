using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;
using Reconciler.Core.Tests.Support;

namespace Reconciler.Core.Tests.Properties;

/// <summary>Re-judging open unmodeled conflicts over random scripts, 1,000 cases each.</summary>
public sealed class RejudgeProperties
{
    [Theory]
    [MemberData(nameof(Scripts.PolicyNames), MemberType = typeof(Scripts))]
    public void Given_any_history_when_a_version_naming_every_gap_rejudges_twice_then_every_gap_closes_once_and_the_events_fold_to_the_live_state(string policy)
    {
        Check.One(Scripts.Thousand, Prop.ForAll(Scripts.Seeds, seeds =>
        {
            var scenario = Scripts.Play(Scripts.PolicyNamed(policy), seeds);
            var open = scenario.State.OpenConflicts.Where(c => c.Kind == ConflictKinds.Unmodeled).Select(c => c.ConflictId).ToList();
            var held = scenario.State.Unmodeled.Values.Sum(v => v.Count);
            var at = ((scenario.State.UpdatedAt ?? Scenario.T0) - Scenario.T0).TotalSeconds + 86_400;
            scenario.Publish(NamingEverything(scenario.Policy));

            var first = open.SelectMany(id => scenario.When(scenario.Rejudge(id, at, 2))).ToList();
            // A rejudge that retracts an outcome can leave a clock already past due (the finish clock): the deadline
            // worker's next tick passes it, and a second rejudge must then decide nothing.
            scenario.When(Scenario.TickAt(at));
            var second = open.SelectMany(id => scenario.When(scenario.Rejudge(id, at + 1, 2))).ToList();

            var restored = OperationSnapshot.Read(OperationSnapshot.Write(scenario.State))!;
            return second.Count == 0
                && first.OfType<SignalRejudged>().Count() == held
                && first.OfType<ConflictResolved>().Count(r => r.Resolution == Resolutions.ModeledByPolicy) == open.Count
                && !scenario.State.OpenConflicts.Any(c => c.Kind == ConflictKinds.Unmodeled)
                && scenario.State.Unmodeled.IsEmpty
                && StateDump.Of(OperationDecider.Fold(scenario.History)) == StateDump.Of(scenario.State)
                && StateDump.Of(restored) == StateDump.Of(scenario.State);
        }));
    }

    // Every facet and state the scripts send ("tax", "channel", "bogus"), and no attributes, so no value fails to parse.
    private static TruthPolicy NamingEverything(TruthPolicy policy)
    {
        var facets = policy.Facets;
        foreach (var name in new[] { "payment", "inventory", "ledger", "journey", "notification", "tax", "channel" })
        {
            facets = facets.TryGetValue(name, out var facet)
                ? facets.SetItem(name, facet with { States = facet.States.Add("bogus"), Attributes = [] })
                : facets.Add(name, SamplePolicies.Facet(name == "tax" ? "erp" : null, ["bogus"]));
        }

        return policy with
        {
            Facets = facets,
            Matches = ImmutableList<AttributeMatch>.Empty,
            Outcomes = [.. policy.Outcomes.Select(r => r with { RequireMatches = false })],
        };
    }
}
