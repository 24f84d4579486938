using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>A person takes an open conflict on.</summary>
public sealed partial class OperationDeciderTests
{
    [Fact]
    public void Given_an_open_conflict_when_acknowledged_then_the_person_and_time_are_recorded_as_evidence()
    {
        var id = OpenLedgerDisagreement();
        var evidence = _accountable.State.Conflicts[id].EvidenceVersions.Count;

        var events = _accountable.When(new AcknowledgeConflict(id, "ann", At(500), 1));

        var acknowledged = Assert.IsType<ConflictAcknowledged>(Assert.Single(events));
        Assert.Equal((id, ConflictKinds.Disagreement, "ann", "finance", At(500)),
            (acknowledged.ConflictId, acknowledged.Kind, acknowledged.AcknowledgedBy, acknowledged.Assignee, acknowledged.At));
        var record = _accountable.State.Conflicts[id];
        Assert.Equal(("ann", At(500), "open"), (record.AcknowledgedBy, record.AcknowledgedAt, record.Status));
        Assert.Equal(evidence + 1, record.EvidenceVersions.Count);
        Assert.Equal(_accountable.State.Version, record.EvidenceVersions[^1]);
    }

    [Fact]
    public void Given_an_acknowledged_conflict_when_the_same_person_acknowledges_again_then_nothing_is_decided()
    {
        var id = OpenLedgerDisagreement();
        _accountable.Given(new AcknowledgeConflict(id, "ann", At(500), 1));

        Assert.Empty(_accountable.When(new AcknowledgeConflict(id, "ann", At(500), 1)));
        Assert.Empty(_accountable.When(new AcknowledgeConflict(id, "ann", At(900), 1)));
        Assert.Equal(At(500), _accountable.State.Conflicts[id].AcknowledgedAt);
    }

    [Fact]
    public void Given_an_acknowledged_conflict_when_another_person_acknowledges_then_they_take_it_on()
    {
        var id = OpenLedgerDisagreement();
        _accountable.Given(new AcknowledgeConflict(id, "ann", At(500), 1));

        var events = _accountable.When(new AcknowledgeConflict(id, "bob", At(900), 1));

        Assert.Equal("bob", Assert.IsType<ConflictAcknowledged>(Assert.Single(events)).AcknowledgedBy);
        Assert.Equal(("bob", At(900)), (_accountable.State.Conflicts[id].AcknowledgedBy, _accountable.State.Conflicts[id].AcknowledgedAt));
    }

    [Fact]
    public void Given_no_such_conflict_when_acknowledged_then_unknown_conflict_is_refused()
    {
        OpenLedgerDisagreement();

        var refused = Assert.Throws<CommandRejectedException>(() => _accountable.When(new AcknowledgeConflict("disagreement-0000", "ann", At(500), 1)));

        Assert.Equal("unknown-conflict", refused.Code);
    }

    [Fact]
    public void Given_a_resolved_conflict_when_acknowledged_then_conflict_closed_is_refused()
    {
        var id = OpenLedgerDisagreement();
        _accountable.Given(new ResolveConflict(id, Resolutions.Accepted, "known", "ann", null, At(500), 1));

        var refused = Assert.Throws<CommandRejectedException>(() => _accountable.When(new AcknowledgeConflict(id, "ann", At(600), 1)));

        Assert.Equal("conflict-closed", refused.Code);
    }

    [Fact]
    public void Given_an_open_conflict_when_acknowledged_without_an_identity_then_identity_required_is_refused()
    {
        var id = OpenLedgerDisagreement();

        var refused = Assert.Throws<CommandRejectedException>(() => _accountable.When(new AcknowledgeConflict(id, " ", At(500), 1)));

        Assert.Equal("identity-required", refused.Code);
    }
}
