using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>An open conflict is handed to another team.</summary>
public sealed partial class OperationDeciderTests
{
    [Fact]
    public void Given_an_acknowledged_conflict_when_assigned_to_another_team_then_that_team_has_it_and_nobody_there_has_taken_it_on()
    {
        var id = OpenLedgerDisagreement();
        _accountable.Given(new AcknowledgeConflict(id, "ann", At(500), 1));

        var events = _accountable.When(new AssignConflict(id, "treasury", "a currency question", "ann", At(600), 1));

        var assigned = Assert.IsType<ConflictAssigned>(Assert.Single(events));
        Assert.Equal(("finance", "treasury", "a currency question", "ann"), (assigned.PreviousAssignee, assigned.Assignee, assigned.Reason, assigned.AssignedBy));
        var record = _accountable.State.Conflicts[id];
        Assert.Equal(("treasury", "ann", "a currency question"), (record.Assignee, record.AssignedBy, record.AssignReason));
        Assert.Equal(((string?)null, (DateTimeOffset?)null), (record.AcknowledgedBy, record.AcknowledgedAt));
        Assert.Equal(At(400).AddHours(1), record.DueBy);
    }

    [Fact]
    public void Given_an_assigned_conflict_when_the_same_handover_comes_again_then_nothing_is_decided()
    {
        var id = OpenLedgerDisagreement();
        var assign = new AssignConflict(id, "treasury", "a currency question", "ann", At(600), 1);
        _accountable.Given(assign);

        Assert.Empty(_accountable.When(assign));
        Assert.Empty(_accountable.When(assign with { At = At(700) }));
    }

    [Fact]
    public void Given_a_conflict_when_assigned_to_the_team_that_has_it_then_same_assignee_is_refused()
    {
        var id = OpenLedgerDisagreement();

        var fromPolicy = Assert.Throws<CommandRejectedException>(() => _accountable.When(new AssignConflict(id, "finance", "ours", "bob", At(500), 1)));
        _accountable.Given(new AssignConflict(id, "treasury", "a currency question", "ann", At(600), 1));
        var handedOver = Assert.Throws<CommandRejectedException>(() => _accountable.When(new AssignConflict(id, "treasury", "theirs, really", "bob", At(700), 1)));

        Assert.Equal(("same-assignee", "same-assignee"), (fromPolicy.Code, handedOver.Code));
    }

    [Theory]
    [InlineData("the finance team")]
    [InlineData("")]
    public void Given_an_open_conflict_when_assigned_to_something_that_is_no_team_name_then_invalid_assignee_is_refused(string team)
    {
        var id = OpenLedgerDisagreement();

        var refused = Assert.Throws<CommandRejectedException>(() => _accountable.When(new AssignConflict(id, team, "theirs", "ann", At(600), 1)));

        Assert.Equal("invalid-assignee", refused.Code);
    }

    [Fact]
    public void Given_an_open_conflict_when_assigned_without_a_reason_then_reason_required_is_refused()
    {
        var id = OpenLedgerDisagreement();

        var refused = Assert.Throws<CommandRejectedException>(() => _accountable.When(new AssignConflict(id, "treasury", " ", "ann", At(600), 1)));

        Assert.Equal("reason-required", refused.Code);
    }

    [Fact]
    public void Given_a_resolved_conflict_when_assigned_then_conflict_closed_is_refused()
    {
        var id = OpenLedgerDisagreement();
        _accountable.Given(_accountable.Signal("warehouse", "ledger", "recorded", "w2", 500, sequence: 2));

        var refused = Assert.Throws<CommandRejectedException>(() => _accountable.When(new AssignConflict(id, "treasury", "theirs", "ann", At(600), 1)));

        Assert.Equal((Resolutions.Converged, "conflict-closed"), (_accountable.State.Conflicts[id].Resolution, refused.Code));
    }
}
