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
    private readonly Scenario _sub = new(SamplePolicies.Subscription, "sub-42");

    private void Play()
    {
        _sub.Given(
            _sub.Signal("billing", "billing", "paid", "bill-1", 0, sequence: 1),
            _sub.Signal("entitlement-service", "entitlement", "active", "ent-1", 5, sequence: 1),
            _sub.Signal("crm", "entitlement", "expired", "crm-1", 10),
            _sub.Signal("device", "playback", "blocked", "dev-1", 20, sequence: 7),
            TickAt(200),
            TickAt(400));
    }

    [Fact]
    public void Given_the_subscription_story_when_the_deadlines_pass_then_crm_and_device_conflicts_are_open()
    {
        Play();

        var open = _sub.State.OpenConflicts.Select(c => (c.Kind, c.Facet, string.Join("+", c.Sources), string.Join(">", c.States))).ToList();
        Assert.Equal(
            [
                (ConflictKinds.Disagreement, "entitlement", "crm+entitlement-service", "active>expired"),
                (ConflictKinds.Disagreement, "playback", "device+entitlement-service", "allowed>blocked"),
            ],
            open);
        Assert.Equal(2, _sub.State.Conflicts.Count);
        Assert.Equal((Outcomes.Pending, HealthStates.Conflicted), (_sub.State.Outcome, _sub.State.Health));
        Assert.Equal(("active", Bases.Owner), (_sub.State.Facets["entitlement"].State, _sub.State.Facets["entitlement"].Basis));
        Assert.Contains(_sub.History, e => e is ExpectationMet { ExpectationIndex: 0 });
    }

    [Fact]
    public void Given_the_subscription_story_when_the_device_allows_playback_then_active_is_declared_and_the_device_conflict_converges()
    {
        Play();

        var events = _sub.When(_sub.Signal("device", "playback", "allowed", "dev-2", 600, sequence: 8));

        Assert.Equal(("active", 1), (events.OfType<OutcomeDeclared>().Single().Outcome, events.OfType<OutcomeDeclared>().Single().RuleIndex));
        Assert.Equal(Resolutions.Converged, _sub.Conflict(ConflictKinds.Disagreement, "playback").Resolution);
        Assert.Equal("open", _sub.Conflict(ConflictKinds.Disagreement, "entitlement").Status);
    }

    [Fact]
    public void Given_the_subscription_story_when_an_operator_accepts_the_crm_lag_then_the_operation_is_consistent()
    {
        Play();
        _sub.Given(_sub.Signal("device", "playback", "allowed", "dev-2", 600, sequence: 8));
        var id = _sub.Conflict(ConflictKinds.Disagreement, "entitlement").ConflictId;

        var events = _sub.When(new ResolveConflict(id, Resolutions.Accepted, "CRM syncs nightly", "ops@example", null, At(700), 1));

        Assert.Equal(["OperatorResolved", "ConflictResolved"], Types(events));
        Assert.Equal((HealthStates.Consistent, "active"), (_sub.State.Health, _sub.State.Outcome));
        Assert.Equal(("ops@example", "CRM syncs nightly"), (_sub.State.Conflicts[id].ResolvedBy, _sub.State.Conflicts[id].Reason));
    }
}
