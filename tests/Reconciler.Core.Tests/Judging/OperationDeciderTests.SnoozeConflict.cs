using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>An open conflict leaves the default queue for a while; its status and its clock do not change.</summary>
public sealed partial class OperationDeciderTests
{
    [Fact]
    public void Given_an_open_conflict_when_snoozed_then_it_is_snoozed_with_its_status_and_clock_unchanged()
    {
        var id = OpenLedgerDisagreement();
        var (dueBy, next) = (_accountable.State.Conflicts[id].DueBy, _accountable.State.NextDeadline);

        var events = _accountable.When(new SnoozeConflict(id, At(3000), "the ERP batch runs at noon", "ann", At(500), 1));

        var snoozed = Assert.IsType<ConflictSnoozed>(Assert.Single(events));
        Assert.Equal((id, At(3000), "the ERP batch runs at noon", "ann"), (snoozed.ConflictId, snoozed.Until, snoozed.Reason, snoozed.SnoozedBy));
        var record = _accountable.State.Conflicts[id];
        Assert.Equal((At(3000), "ann", "the ERP batch runs at noon"), (record.SnoozedUntil, record.SnoozedBy, record.SnoozeReason));
        Assert.Equal(("open", dueBy, next), (record.Status, record.DueBy, _accountable.State.NextDeadline));
    }

    [Fact]
    public void Given_a_snoozed_conflict_when_the_same_snooze_comes_again_then_nothing_is_decided_and_a_new_one_replaces_it()
    {
        var id = OpenLedgerDisagreement();
        var snooze = new SnoozeConflict(id, At(3000), "batch at noon", "ann", At(500), 1);
        _accountable.Given(snooze);

        Assert.Empty(_accountable.When(snooze));
        Assert.Empty(_accountable.When(snooze with { At = At(3500), SnoozedBy = "bob" }));
        Assert.Single(_accountable.When(snooze with { Until = At(2000), At = At(600) }));
        Assert.Equal(At(2000), _accountable.State.Conflicts[id].SnoozedUntil);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(499)]
    public void Given_an_open_conflict_when_snoozed_until_now_or_earlier_then_snooze_in_the_past_is_refused(double until)
    {
        var id = OpenLedgerDisagreement();

        var refused = Assert.Throws<CommandRejectedException>(() => _accountable.When(new SnoozeConflict(id, At(until), "later", "ann", At(500), 1)));

        Assert.Equal("snooze-in-the-past", refused.Code);
        Assert.Null(_accountable.State.Conflicts[id].SnoozedUntil);
    }

    [Fact]
    public void Given_an_open_conflict_when_snoozed_without_a_reason_then_reason_required_is_refused()
    {
        var id = OpenLedgerDisagreement();

        var refused = Assert.Throws<CommandRejectedException>(() => _accountable.When(new SnoozeConflict(id, At(3000), "", "ann", At(500), 1)));

        Assert.Equal("reason-required", refused.Code);
    }

    [Fact]
    public void Given_a_resolved_conflict_when_snoozed_then_conflict_closed_is_refused()
    {
        var id = OpenLedgerDisagreement();
        _accountable.Given(new ResolveConflict(id, Resolutions.Dismissed, "not real", "ann", null, At(500), 1));

        var refused = Assert.Throws<CommandRejectedException>(() => _accountable.When(new SnoozeConflict(id, At(3000), "later", "ann", At(600), 1)));

        Assert.Equal("conflict-closed", refused.Code);
    }
}
