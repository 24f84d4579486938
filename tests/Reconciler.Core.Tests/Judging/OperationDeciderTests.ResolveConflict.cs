using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>Operators resolve open conflicts: accepted, overridden, compensated, dismissed.</summary>
public sealed partial class OperationDeciderTests
{
    private string OpenJourneyDisagreement()
    {
        _order.Given(_order.Signal("crm", "journey", "abandoned-cart", "c1", 0), _order.Signal("erp", "journey", "purchased", "x1", 0), TickAt(400));
        return _order.Conflict(ConflictKinds.Disagreement).ConflictId;
    }

    [Theory]
    [InlineData(Resolutions.Accepted)]
    [InlineData(Resolutions.Compensated)]
    [InlineData(Resolutions.Dismissed)]
    public void Given_an_open_conflict_when_an_operator_resolves_it_then_it_is_closed_with_reason_and_identity(string resolution)
    {
        var id = OpenJourneyDisagreement();

        var events = _order.When(new ResolveConflict(id, resolution, "checked by phone", "ann", null, At(500), 1));

        Assert.Equal(["OperatorResolved", "ConflictResolved"], Types(events));
        var record = _order.State.Conflicts[id];
        Assert.Equal(("resolved", resolution, "ann", "checked by phone"), (record.Status, record.Resolution, record.ResolvedBy, record.Reason));
        Assert.Equal("abandoned-cart", _order.State.Facets["journey"].State);
        Assert.Equal(HealthStates.Consistent, _order.State.Health);
    }

    [Fact]
    public void Given_an_open_conflict_when_overridden_then_the_override_becomes_agreed_truth()
    {
        var id = OpenJourneyDisagreement();

        _order.When(new ResolveConflict(id, Resolutions.Overridden, "erp has the invoice", "ann", new FacetOverride("journey", "purchased"), At(500), 1));

        var journey = _order.State.Facets["journey"];
        Assert.Equal(("purchased", Bases.Override, "ann"), (journey.State, journey.Basis, journey.Source));
        Assert.Equal(Resolutions.Overridden, _order.State.Conflicts[id].Resolution);
    }

    [Fact]
    public void Given_an_override_that_completes_a_rule_when_resolved_then_the_outcome_is_declared()
    {
        _order.Given(_order.Signal("payment-gateway", "payment", "captured", "p1", 0), _order.Signal("warehouse", "inventory", "reserved", "w1", 0),
            _order.Signal("crm", "journey", "purchased", "c1", 0), TickAt(700));
        var id = _order.Conflict(ConflictKinds.Missing).ConflictId;

        var events = _order.When(new ResolveConflict(id, Resolutions.Overridden, "booked by hand", "bob", new FacetOverride("ledger", "recorded"), At(800), 1));

        var declared = Assert.Single(events.OfType<OutcomeDeclared>());
        Assert.Equal(("succeeded", 1), (declared.Outcome, declared.RuleIndex));
    }

    [Fact]
    public void Given_a_resolved_conflict_when_resolved_again_then_conflict_closed()
    {
        var id = OpenJourneyDisagreement();
        _order.Given(new ResolveConflict(id, Resolutions.Accepted, "ok", "ann", null, At(500), 1));

        var error = Assert.Throws<CommandRejectedException>(() => _order.When(new ResolveConflict(id, Resolutions.Accepted, "ok", "ann", null, At(501), 1)));

        Assert.Equal("conflict-closed", error.Code);
    }

    [Theory]
    [InlineData("nope", "accepted", null, null, "unknown-conflict")]
    [InlineData(null, "forgotten", null, null, "invalid-resolution")]
    [InlineData(null, "overridden", null, null, "invalid-override")]
    [InlineData(null, "overridden", "journey", "teleported", "invalid-override")]
    [InlineData(null, "overridden", "weather", "sunny", "invalid-override")]
    [InlineData(null, "accepted", "journey", "purchased", "invalid-override")]
    public void Given_an_open_conflict_when_the_resolution_is_invalid_then_it_is_rejected(string? conflictId, string resolution, string? facet, string? state, string code)
    {
        var id = OpenJourneyDisagreement();
        var @override = facet is null ? null : new FacetOverride(facet, state!);

        var error = Assert.Throws<CommandRejectedException>(() => _order.When(new ResolveConflict(conflictId ?? id, resolution, "r", "ann", @override, At(500), 1)));

        Assert.Equal(code, error.Code);
    }
}
