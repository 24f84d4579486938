using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>Deadlines: grace windows and expectations pass only through ticks.</summary>
public sealed partial class OperationDeciderTests
{
    private readonly Scenario _subscription = new(SamplePolicies.Subscription, "sub-1");

    [Fact]
    public void Given_no_deadline_when_tick_then_nothing_is_decided()
    {
        _order.Given(_order.Signal("warehouse", "inventory", "reserved", "w1", 0));

        Assert.Empty(_order.When(TickAt(10_000)));
    }

    [Fact]
    public void Given_a_divergence_when_tick_before_its_grace_ends_then_nothing_is_decided()
    {
        _order.Given(_order.Signal("crm", "journey", "purchased", "c1", 0), _order.Signal("erp", "journey", "browsing", "x1", 0));

        Assert.Empty(_order.When(TickAt(299)));
    }

    [Fact]
    public void Given_a_divergence_when_grace_passes_then_disagreement_opens()
    {
        _order.Given(_order.Signal("crm", "journey", "purchased", "c1", 0), _order.Signal("erp", "journey", "browsing", "x1", 0));

        var events = _order.When(TickAt(400));

        Assert.Equal(["DeadlinePassed", "ConflictOpened"], Types(events));
        Assert.Equal((At(400), At(300)), (events[0].At, ((DeadlinePassed)events[0]).Due));
        var conflict = _order.Conflict(ConflictKinds.Disagreement);
        Assert.Equal((Severities.Medium, "journey"), (conflict.Severity, conflict.Facet));
        Assert.Equal(["crm", "erp"], conflict.Sources);
        Assert.Equal(["purchased", "browsing"], conflict.States);
        Assert.Equal(HealthStates.Conflicted, _order.State.Health);
    }

    [Fact]
    public void Given_a_disagreement_when_the_sources_agree_then_it_converges_and_reopens_the_same_record_later()
    {
        _order.Given(_order.Signal("crm", "journey", "purchased", "c1", 0), _order.Signal("erp", "journey", "browsing", "x1", 0), TickAt(400));
        var id = _order.Conflict(ConflictKinds.Disagreement).ConflictId;

        var events = _order.When(_order.Signal("erp", "journey", "purchased", "x2", 500));

        var resolved = Assert.IsType<ConflictResolved>(events.Last());
        Assert.Equal((id, Resolutions.Converged, 100d), (resolved.ConflictId, resolved.Resolution, resolved.OpenSeconds));
        Assert.Equal(HealthStates.Consistent, _order.State.Health);

        _order.Given(_order.Signal("erp", "journey", "abandoned-cart", "x3", 600), TickAt(1000));
        var reopened = _order.Conflict(ConflictKinds.Disagreement);
        Assert.Equal((id, 2, "open"), (reopened.ConflictId, reopened.Occurrences, reopened.Status));
        Assert.Equal(3, reopened.EvidenceVersions.Count);
    }

    [Fact]
    public void Given_an_unowned_facet_when_two_sources_differ_past_grace_then_unowned_opens_and_no_state_is_agreed()
    {
        _subscription.Given(_subscription.Signal("billing", "region", "eu", "b1", 0), _subscription.Signal("device", "region", "us", "d1", 10));
        Assert.Equal((null, Bases.None), (_subscription.State.Facets["region"].State, _subscription.State.Facets["region"].Basis));

        _subscription.When(TickAt(130));

        var conflict = _subscription.Conflict(ConflictKinds.Unowned);
        Assert.Equal(["billing", "device"], conflict.Sources);

        _subscription.When(_subscription.Signal("device", "region", "eu", "d2", 200));
        Assert.Equal(Resolutions.Converged, _subscription.Conflict(ConflictKinds.Unowned).Resolution);
        Assert.Equal("eu", _subscription.State.Facets["region"].State);
    }

    [Fact]
    public void Given_an_expectation_when_its_deadline_passes_with_the_target_never_reported_then_missing_opens()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0), _order.Signal("crm", "journey", "purchased", "c1", 1));
        Assert.Equal(At(600), _order.State.NextDeadline);

        var events = _order.When(TickAt(601));

        Assert.Equal(["DeadlinePassed", "ConflictOpened"], Types(events));
        var conflict = _order.Conflict(ConflictKinds.Missing);
        Assert.Equal(("ledger", Severities.Medium, 0), (conflict.Facet, conflict.Severity, conflict.ExpectationIndex));
        Assert.Equal(["erp", "payment-gateway"], conflict.Sources);
    }

    [Fact]
    public void Given_an_expectation_when_its_deadline_passes_with_the_target_in_another_state_then_cross_facet_disagreement_opens()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0), _order.Signal("crm", "journey", "abandoned-cart", "c1", 1));

        _order.When(TickAt(301));

        var conflict = _order.Conflict(ConflictKinds.Disagreement, "journey");
        Assert.Equal((1, "open"), (conflict.ExpectationIndex, conflict.Status));
        Assert.Equal(["crm", "payment-gateway"], conflict.Sources);
        Assert.Equal(["purchased", "abandoned-cart"], conflict.States);
    }

    [Fact]
    public void Given_an_effect_expectation_when_the_outcome_is_not_reached_in_time_then_premature_effect_opens()
    {
        _order.Given(_order.Signal("email", "notification", "confirmation-sent", "e1", 0, effectKey: "mail-1"));

        _order.When(TickAt(121));

        var conflict = _order.Conflict(ConflictKinds.PrematureEffect);
        Assert.Equal((Severities.High, "notification", 2), (conflict.Severity, conflict.Facet, conflict.ExpectationIndex));
    }

    [Fact]
    public void Given_an_expectation_when_the_target_is_reached_in_time_then_it_is_met_and_nothing_opens()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0));

        var events = _order.When(_order.Signal("erp", "ledger", "recorded", "x1", 30));

        Assert.Contains(events, e => e is ExpectationMet { ExpectationIndex: 0 });
        Assert.DoesNotContain(_order.When(TickAt(400)), e => e is ConflictOpened { Facet: "ledger" });
    }

    [Fact]
    public void Given_a_missing_conflict_when_the_target_arrives_late_then_it_converges()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0), _order.Signal("crm", "journey", "purchased", "c1", 1), TickAt(601));

        _order.When(_order.Signal("erp", "ledger", "recorded", "x1", 900));

        var conflict = _order.Conflict(ConflictKinds.Missing);
        Assert.Equal((Resolutions.Converged, At(900)), (conflict.Resolution, conflict.ResolvedAt));
        Assert.Equal(HealthStates.Consistent, _order.State.Health);
    }

    [Fact]
    public void Given_several_deadlines_when_one_late_tick_then_they_pass_in_due_order()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0));

        var events = _order.When(TickAt(5000));

        var passed = events.OfType<DeadlinePassed>().Select(d => d.Due).ToList();
        Assert.Equal([At(300), At(600)], passed);
        Assert.All(events, e => Assert.Equal(At(5000), e.At));
        Assert.Null(_order.State.NextDeadline);
    }
}
