using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.State;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>Four-eyes approval: a resolution the policy asks two resolvers for is proposed, then approved by another or rejected.</summary>
public sealed partial class OperationDeciderTests
{
    private static readonly Reconciler.Core.Policies.TruthPolicy FourEyes = SamplePolicies.Order with
    {
        Approvals = ImmutableDictionary<string, int>.Empty.Add(Resolutions.Overridden, 2).Add(Resolutions.Accepted, 1),
    };

    private readonly Scenario _fourEyes = new(FourEyes, "order-4e");

    private string OpenFourEyesDisagreement()
    {
        _fourEyes.Given(_fourEyes.Signal("crm", "journey", "abandoned-cart", "c1", 0), _fourEyes.Signal("erp", "journey", "purchased", "x1", 0), TickAt(400));
        return _fourEyes.Conflict(ConflictKinds.Disagreement).ConflictId;
    }

    private static ResolveConflict Override(string id, string by, double seconds) =>
        new(id, Resolutions.Overridden, "erp has the invoice", by, new FacetOverride("journey", "purchased"), At(seconds), 1);

    [Fact]
    public void Given_an_override_that_needs_two_resolvers_when_proposed_then_it_is_pending_and_nothing_changes_yet()
    {
        var id = OpenFourEyesDisagreement();

        var events = _fourEyes.When(Override(id, "ann", 500));

        var proposed = Assert.IsType<ResolutionProposed>(Assert.Single(events));
        Assert.Equal((id, "overridden", "ann", "journey", "purchased", 2), (proposed.ConflictId, proposed.Resolution, proposed.ProposedBy, proposed.OverrideFacet, proposed.OverrideState, proposed.Approvals));
        var record = _fourEyes.State.Conflicts[id];
        Assert.Equal(("open", "ann", At(500)), (record.Status, record.Pending!.ProposedBy, record.Pending.ProposedAt));
        Assert.Equal("abandoned-cart", _fourEyes.State.Facets["journey"].State);
        Assert.Equal(2, record.EvidenceVersions.Count); // opened, proposed
    }

    [Fact]
    public void Given_a_pending_override_when_another_resolver_approves_then_it_resolves_with_both_identities()
    {
        var id = OpenFourEyesDisagreement();
        _fourEyes.Given(Override(id, "ann", 500));

        var events = _fourEyes.When(new ApproveResolution(id, "saw the invoice too", "bob", At(600), 1));

        Assert.Equal(["OperatorResolved", "ConflictResolved"], Types(events));
        var resolved = (OperatorResolved)events[0];
        Assert.Equal(("ann", "bob", "erp has the invoice", "saw the invoice too"), (resolved.ResolvedBy, resolved.ApprovedBy, resolved.Reason, resolved.ApprovalReason));
        var record = _fourEyes.State.Conflicts[id];
        Assert.Equal(("resolved", "overridden", "ann", "bob"), (record.Status, record.Resolution, record.ResolvedBy, record.ApprovedBy));
        Assert.Null(record.Pending);
        Assert.Equal(("purchased", Bases.Override), (_fourEyes.State.Facets["journey"].State, _fourEyes.State.Facets["journey"].Basis));
    }

    [Fact]
    public void Given_a_pending_override_when_its_proposer_approves_then_same_person_is_refused()
    {
        var id = OpenFourEyesDisagreement();
        _fourEyes.Given(Override(id, "ann", 500));

        var refused = Assert.Throws<CommandRejectedException>(() => _fourEyes.When(new ApproveResolution(id, "me again", "ann", At(600), 1)));

        Assert.Equal("same-person", refused.Code);
        Assert.NotNull(_fourEyes.State.Conflicts[id].Pending);
    }

    [Fact]
    public void Given_a_pending_override_when_rejected_then_the_conflict_stays_open_and_takes_a_new_proposal()
    {
        var id = OpenFourEyesDisagreement();
        _fourEyes.Given(Override(id, "ann", 500));

        var events = _fourEyes.When(new RejectResolution(id, "the invoice is a draft", "bob", At(600), 1));

        var rejected = Assert.IsType<ResolutionRejected>(Assert.Single(events));
        Assert.Equal(("overridden", "ann", "bob", "the invoice is a draft"), (rejected.Resolution, rejected.ProposedBy, rejected.RejectedBy, rejected.Reason));
        Assert.Equal(("open", (PendingResolution?)null), (_fourEyes.State.Conflicts[id].Status, _fourEyes.State.Conflicts[id].Pending));
        Assert.IsType<ResolutionProposed>(Assert.Single(_fourEyes.When(Override(id, "bob", 700))));
    }

    [Fact]
    public void Given_a_pending_override_when_the_sources_agree_then_the_conflict_converges_and_the_proposal_lapses()
    {
        var id = OpenFourEyesDisagreement();
        _fourEyes.Given(Override(id, "ann", 500));

        var events = _fourEyes.When(_fourEyes.Signal("erp", "journey", "abandoned-cart", "x2", 600));

        var resolved = events.OfType<ConflictResolved>().Single();
        Assert.Equal(Resolutions.Converged, resolved.Resolution);
        var lapsed = Assert.IsType<ResolutionLapsed>(events[events.ToList().IndexOf(resolved) + 1]);
        Assert.Equal((id, "overridden", "ann"), (lapsed.ConflictId, lapsed.Resolution, lapsed.ProposedBy));
        Assert.Null(_fourEyes.State.Conflicts[id].Pending);
        Assert.Equal("conflict-closed", Assert.Throws<CommandRejectedException>(() => _fourEyes.When(new ApproveResolution(id, "late", "bob", At(700), 1))).Code);
    }

    [Fact]
    public void Given_a_pending_proposal_when_someone_resolves_directly_then_proposal_pending_is_refused()
    {
        var id = OpenFourEyesDisagreement();
        _fourEyes.Given(Override(id, "ann", 500));

        var refused = Assert.Throws<CommandRejectedException>(() =>
            _fourEyes.When(new ResolveConflict(id, Resolutions.Accepted, "fine as is", "bob", null, At(600), 1)));

        Assert.Equal("proposal-pending", refused.Code);
    }

    [Fact]
    public void Given_no_pending_proposal_when_approved_or_rejected_then_no_pending_resolution_is_refused()
    {
        var id = OpenFourEyesDisagreement();

        Assert.Equal("no-pending-resolution", Assert.Throws<CommandRejectedException>(() => _fourEyes.When(new ApproveResolution(id, "ok", "bob", At(600), 1))).Code);
        Assert.Equal("no-pending-resolution", Assert.Throws<CommandRejectedException>(() => _fourEyes.When(new RejectResolution(id, "no", "bob", At(600), 1))).Code);
    }

    [Fact]
    public void Given_a_resolution_that_needs_one_resolver_when_resolved_then_it_closes_at_once_as_before()
    {
        var id = OpenFourEyesDisagreement();

        var events = _fourEyes.When(new ResolveConflict(id, Resolutions.Accepted, "fine as is", "ann", null, At(500), 1));

        Assert.Equal(["OperatorResolved", "ConflictResolved"], Types(events));
        Assert.Null(_fourEyes.State.Conflicts[id].ApprovedBy);
    }

    [Fact]
    public void Given_a_pending_proposal_when_the_state_is_snapshotted_then_the_proposal_and_the_approver_survive()
    {
        var id = OpenFourEyesDisagreement();
        _fourEyes.Given(Override(id, "ann", 500));
        var pending = OperationSnapshot.Read(OperationSnapshot.Write(_fourEyes.State))!;
        Assert.Equal(_fourEyes.State.Conflicts[id].Pending, pending.Conflicts[id].Pending);

        _fourEyes.Given(new ApproveResolution(id, "ok", "bob", At(600), 1));
        var approved = OperationSnapshot.Read(OperationSnapshot.Write(_fourEyes.State))!;
        Assert.Equal(("bob", (PendingResolution?)null), (approved.Conflicts[id].ApprovedBy, approved.Conflicts[id].Pending));
        Assert.Equal(_fourEyes.State.Conflicts[id].EvidenceVersions, approved.Conflicts[id].EvidenceVersions);
    }

    /// <summary>Whoever proposes and whoever answers, the override takes effect only when two different people stand behind it.</summary>
    [Fact]
    public void Given_any_sequence_of_proposals_approvals_and_rejections_then_an_override_takes_effect_only_with_two_different_people()
    {
        var people = Gen.Elements("ann", "bob", "cy");
        var steps = Gen.ListOf(Gen.Zip(Gen.Elements("propose", "approve", "reject"), people)).Select(l => l.ToList());
        Check.One(Scripts.Thousand, Prop.ForAll(steps.ToArbitrary(), script =>
        {
            var s = new Scenario(FourEyes, "order-prop");
            s.Given(s.Signal("crm", "journey", "abandoned-cart", "c1", 0), s.Signal("erp", "journey", "purchased", "x1", 0), TickAt(400));
            var id = s.Conflict(ConflictKinds.Disagreement).ConflictId;
            var t = 500;
            foreach (var (step, who) in script)
            {
                Command command = step switch
                {
                    "propose" => Override(id, who, t),
                    "approve" => new ApproveResolution(id, "ok", who, At(t), 1),
                    _ => new RejectResolution(id, "no", who, At(t), 1),
                };
                t += 10;
                try
                {
                    s.When(command);
                }
                catch (CommandRejectedException)
                {
                    // Refused commands decide nothing.
                }
            }

            var resolved = s.History.OfType<OperatorResolved>().ToList();
            var overridden = s.State.Facets["journey"].Basis == Bases.Override;
            return (resolved.Count <= 1 && resolved.All(r => r.ApprovedBy is not null && r.ApprovedBy != r.ResolvedBy) && overridden == (resolved.Count == 1))
                .Label($"resolutions {resolved.Count}, overridden {overridden}");
        }));
    }
}
