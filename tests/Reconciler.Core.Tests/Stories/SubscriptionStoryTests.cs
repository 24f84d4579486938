using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Stories;

/// <summary>
/// Seed story 2: billing says paid, the entitlement service says active, the CRM says expired and the
/// device blocks playback.
/// </summary>
public sealed class SubscriptionStoryTests
{
    private readonly Scenario sub = new(SamplePolicies.Subscription, "sub-42");

    private void Play()
    {
        sub.Given(
            sub.Signal("billing", "billing", "paid", "bill-1", 0, sequence: 1),
            sub.Signal("entitlement-service", "entitlement", "active", "ent-1", 5, sequence: 1),
            sub.Signal("crm", "entitlement", "expired", "crm-1", 10),
            sub.Signal("device", "playback", "blocked", "dev-1", 20, sequence: 7),
            TickAt(200),
            TickAt(400));
    }

    [Fact]
    public void Given_the_subscription_story_when_the_deadlines_pass_then_crm_and_device_conflicts_are_open()
    {
        Play();

        var open = sub.State.OpenConflicts.Select(c => (c.Kind, c.Facet, string.Join("+", c.Sources), string.Join(">", c.States))).ToList();
        Assert.Equal(
            [
                (ConflictKinds.Disagreement, "entitlement", "crm+entitlement-service", "active>expired"),
                (ConflictKinds.Disagreement, "playback", "device+entitlement-service", "allowed>blocked"),
            ],
            open);
        Assert.Equal(2, sub.State.Conflicts.Count);
        Assert.Equal((Outcomes.Pending, HealthStates.Conflicted), (sub.State.Outcome, sub.State.Health));
        Assert.Equal(("active", Bases.Owner), (sub.State.Facets["entitlement"].State, sub.State.Facets["entitlement"].Basis));
        Assert.Contains(sub.History, e => e is ExpectationMet { ExpectationIndex: 0 });
    }

    [Fact]
    public void Given_the_subscription_story_when_the_device_allows_playback_then_active_is_declared_and_the_device_conflict_converges()
    {
        Play();

        var events = sub.When(sub.Signal("device", "playback", "allowed", "dev-2", 600, sequence: 8));

        Assert.Equal(("active", 1), (events.OfType<OutcomeDeclared>().Single().Outcome, events.OfType<OutcomeDeclared>().Single().RuleIndex));
        Assert.Equal(Resolutions.Converged, sub.Conflict(ConflictKinds.Disagreement, "playback").Resolution);
        Assert.Equal("open", sub.Conflict(ConflictKinds.Disagreement, "entitlement").Status);
    }

    [Fact]
    public void Given_the_subscription_story_when_an_operator_accepts_the_crm_lag_then_the_operation_is_consistent()
    {
        Play();
        sub.Given(sub.Signal("device", "playback", "allowed", "dev-2", 600, sequence: 8));
        var id = sub.Conflict(ConflictKinds.Disagreement, "entitlement").ConflictId;

        var events = sub.When(new ResolveConflict(id, Resolutions.Accepted, "CRM syncs nightly", "ops@example", null, At(700), 1));

        Assert.Equal(["OperatorResolved", "ConflictResolved"], Types(events));
        Assert.Equal((HealthStates.Consistent, "active"), (sub.State.Health, sub.State.Outcome));
        Assert.Equal(("ops@example", "CRM syncs nightly"), (sub.State.Conflicts[id].ResolvedBy, sub.State.Conflicts[id].Reason));
    }
}
