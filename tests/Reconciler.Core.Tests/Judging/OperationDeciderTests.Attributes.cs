using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Tests.Support;
using static Reconciler.Core.Tests.Support.Scenario;

namespace Reconciler.Core.Tests.Judging;

/// <summary>Attributes compared with tolerance: within a facet, across facets, unparsable values, convergence, rules that require matches.</summary>
public sealed partial class OperationDeciderTests
{
    private readonly Scenario _pay = new(SamplePolicies.Payments, "pay-1");

    private ReceiveSignal Gateway(string state, string id, double seconds, string attributes) =>
        _pay.Signal("payment-gateway", "payment", state, id, seconds, attributes: attributes);

    private ReceiveSignal Erp(string facet, string state, string id, double seconds, string? attributes) =>
        _pay.Signal("erp", facet, state, id, seconds, attributes: attributes);

    [Fact]
    public void Given_two_claims_on_a_facet_when_their_amounts_differ_beyond_the_tolerance_then_a_divergence_starts()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"129.90","currency":"EUR"}"""));

        var events = _pay.When(Erp("payment", "captured", "e1", 1, """{"amount":"129.00","currency":"EUR"}"""));

        Assert.Equal(["SignalReceived", "DivergenceStarted"], Types(events));
        var started = (DivergenceStarted)events[1];
        Assert.Equal((ConflictKinds.AttributeMismatch, "payment", "amount", At(61)), (started.Kind, started.Facet, started.Attribute, started.Due));
        Assert.Equal(["erp", "payment-gateway"], started.Sources);
        Assert.Equal(["129.00", "129.90"], started.States);
        Assert.Null(started.Facets);
        Assert.Equal(HealthStates.Diverging, _pay.State.Health);
    }

    [Fact]
    public void Given_amounts_apart_past_the_grace_window_when_it_passes_then_attribute_mismatch_opens_with_the_values_by_source()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"129.90"}"""), Erp("payment", "captured", "e1", 1, """{"amount":"129.00"}"""));

        var events = _pay.When(TickAt(61));

        Assert.Equal(["DeadlinePassed", "ConflictOpened"], Types(events));
        var conflict = _pay.Conflict(ConflictKinds.AttributeMismatch);
        Assert.Equal((Severities.Medium, "payment", "open"), (conflict.Severity, conflict.Facet, conflict.Status));
        Assert.Equal(["erp", "payment-gateway"], conflict.Sources);
        Assert.Equal(["amount: erp=\"129.00\", payment-gateway=\"129.90\" ~0.01"], DifferenceText.Of(conflict));
        Assert.Contains("'amount' of 'payment' differs between erp 129.00, payment-gateway 129.90: more than 0.01 apart", conflict.Detail, StringComparison.Ordinal);
        Assert.Equal(HealthStates.Conflicted, _pay.State.Health);
    }

    [Fact]
    public void Given_amounts_within_the_absolute_tolerance_when_compared_then_nothing_diverges()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"129.90"}"""));

        var events = _pay.When(Erp("payment", "captured", "e1", 1, """{"amount":129.905}"""));

        Assert.Equal(["SignalReceived"], Types(events));
        Assert.Equal(HealthStates.Consistent, _pay.State.Health);
    }

    [Fact]
    public void Given_an_attribute_mismatch_when_a_later_claim_brings_the_values_within_tolerance_then_it_converges()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"129.90"}"""), Erp("payment", "captured", "e1", 1, """{"amount":"129.00"}"""), TickAt(61));
        var id = _pay.Conflict(ConflictKinds.AttributeMismatch).ConflictId;

        var events = _pay.When(Erp("payment", "captured", "e2", 100, """{"amount":"129.895"}"""));

        Assert.Equal(["SignalReceived", "ConflictResolved"], Types(events));
        Assert.Equal((id, Resolutions.Converged, 39d), (((ConflictResolved)events[1]).ConflictId, ((ConflictResolved)events[1]).Resolution, ((ConflictResolved)events[1]).OpenSeconds));
        Assert.Equal(HealthStates.Consistent, _pay.State.Health);
    }

    [Fact]
    public void Given_a_divergence_of_amounts_when_corrected_inside_the_grace_window_then_it_ends_and_nothing_opens()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"129.90"}"""), Erp("payment", "captured", "e1", 1, """{"amount":"129.00"}"""));

        var events = _pay.When(Erp("payment", "captured", "e2", 30, """{"amount":"129.90"}"""));

        Assert.Equal(["SignalReceived", "DivergenceEnded"], Types(events));
        Assert.Empty(_pay.When(TickAt(200)));
        Assert.Empty(_pay.State.Conflicts);
    }

    [Fact]
    public void Given_a_claim_that_does_not_carry_the_attribute_when_compared_then_nothing_changes()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"129.90"}"""), Erp("payment", "captured", "e1", 1, """{"amount":"129.00"}"""));

        var events = _pay.When(Erp("payment", "captured", "e2", 30, """{"note":"amount to follow"}"""));

        Assert.Equal(["SignalReceived"], Types(events));
        Assert.Single(_pay.State.Divergences);
    }

    [Fact]
    public void Given_times_with_a_duration_tolerance_when_compared_then_seconds_apart_decide()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"capturedAt":"2026-11-21T10:00:00Z"}"""));

        var close = _pay.When(Erp("payment", "captured", "e1", 1, """{"capturedAt":"2026-11-21T11:00:02+01:00"}"""));
        var far = _pay.When(Erp("payment", "captured", "e2", 2, """{"capturedAt":"2026-11-21T10:00:03Z"}"""));

        Assert.Equal(["SignalReceived"], Types(close));
        Assert.Equal(["SignalReceived", "DivergenceStarted"], Types(far));
        Assert.Equal("capturedAt", ((DivergenceStarted)far[1]).Attribute);
    }

    [Fact]
    public void Given_exact_currencies_when_they_differ_past_the_grace_window_then_the_mismatch_has_no_tolerance()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"currency":"EUR"}"""), Erp("payment", "captured", "e1", 1, """{"currency":"eur"}"""), TickAt(100));

        Assert.Equal(["currency: erp=\"eur\", payment-gateway=\"EUR\""], DifferenceText.Of(_pay.Conflict(ConflictKinds.AttributeMismatch)));
    }

    [Fact]
    public void Given_an_unowned_facet_when_two_sources_carry_other_references_then_every_pair_is_compared_and_a_third_claim_does_not_end_it()
    {
        _pay.Given(_pay.Signal("shop-a", "channel", "web", "a1", 0, attributes: """{"ref":"R-1"}"""));
        var events = _pay.When(_pay.Signal("shop-b", "channel", "web", "b1", 1, attributes: """{"ref":"R-2"}"""));

        Assert.Equal(["SignalReceived", "DivergenceStarted"], Types(events));
        Assert.Equal(["SignalReceived"], Types(_pay.When(_pay.Signal("shop-c", "channel", "web", "c1", 2))));
        Assert.Single(_pay.State.Divergences);
        _pay.When(TickAt(100));
        Assert.Equal(["ref: shop-a=\"R-1\", shop-b=\"R-2\""], DifferenceText.Of(_pay.Conflict(ConflictKinds.AttributeMismatch)));
    }

    [Fact]
    public void Given_a_declared_decimal_that_does_not_parse_when_received_then_the_signal_is_applied_and_unmodeled_names_the_attribute()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"129.90"}"""));

        var events = _pay.When(Erp("payment", "captured", "e1", 1, """{"amount":"12,50"}"""));

        Assert.Equal(["SignalReceived", "ConflictOpened"], Types(events));
        Assert.True(((SignalReceived)events[0]).Applied);
        Assert.Equal("12,50", AttributeValues.Text(Assert.Single(_pay.State.Facets["payment"].ClaimOf("erp")!.AttributesJson is { } json
            ? [AttributeValues.Find(json, "amount")!] : Array.Empty<string>())));
        var conflict = _pay.Conflict(ConflictKinds.Unmodeled);
        Assert.Equal(("payment", Severities.Medium), (conflict.Facet, conflict.Severity));
        Assert.Equal(["amount: erp=\"12,50\""], DifferenceText.Of(conflict));
        Assert.Contains("amount=12,50", conflict.Detail, StringComparison.Ordinal);
        Assert.Contains("not a decimal value", conflict.Detail, StringComparison.Ordinal);
        Assert.Empty(_pay.State.Divergences);
    }

    [Fact]
    public void Given_owners_of_two_facets_when_their_amounts_agree_within_the_relative_tolerance_then_the_match_holds_and_succeeded_is_agreed()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"100.00"}"""));

        var events = _pay.When(Erp("ledger", "recorded", "e1", 1, """{"amount":"100.40"}"""));

        Assert.Equal(["SignalReceived", "OutcomeDeclared"], Types(events));
        var declared = (OutcomeDeclared)events[1];
        Assert.Equal(("succeeded", Finalities.Agreed, "PT30M"), (declared.Outcome, declared.Finality, declared.FinalAfter));
    }

    [Fact]
    public void Given_owners_of_two_facets_when_their_amounts_differ_beyond_the_relative_tolerance_then_the_mismatch_is_on_the_first_facet_naming_both()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"100.00"}"""));

        var events = _pay.When(Erp("ledger", "recorded", "e1", 1, """{"amount":"101.00"}"""));

        var started = Assert.Single(events.OfType<DivergenceStarted>());
        Assert.Equal(("payment", "amount"), (started.Facet, started.Attribute));
        Assert.Equal(["payment", "ledger"], started.Facets!);
        _pay.When(TickAt(61));
        var conflict = _pay.Conflict(ConflictKinds.AttributeMismatch);
        Assert.Equal("payment", conflict.Facet);
        Assert.Equal(["erp", "payment-gateway"], conflict.Sources);
        Assert.Equal(["amount: payment-gateway=\"100.00\", erp=\"101.00\" ~0.5% [payment,ledger]"], DifferenceText.Of(conflict));
        Assert.Contains("differs across payment, ledger", conflict.Detail, StringComparison.Ordinal);
        Assert.True(conflict.Concerns("ledger"));
    }

    [Fact]
    public void Given_a_match_when_a_facet_has_only_a_provisional_state_then_it_does_not_apply_yet()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"100.00"}"""));

        var events = _pay.When(_pay.Signal("crm", "ledger", "recorded", "c1", 1, attributes: """{"amount":"180.00"}"""));

        Assert.Equal(["SignalReceived"], Types(events));
    }

    [Fact]
    public void Given_a_rule_that_requires_matches_when_a_mismatch_opens_then_its_outcome_is_retracted_and_returns_once_the_amounts_agree()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"100.00"}"""), Erp("ledger", "recorded", "e1", 1, """{"amount":"110.00"}"""));
        Assert.Equal(("succeeded", Finalities.Agreed), (_pay.State.Outcome, _pay.State.OutcomeFinality));

        var opened = _pay.When(TickAt(61));

        Assert.Equal(["DeadlinePassed", "ConflictOpened", "OutcomeRetracted", "OutcomeDeclared"], Types(opened));
        var retracted = (OutcomeRetracted)opened[2];
        Assert.Equal(("succeeded", Finalities.Agreed, "deadline"), (retracted.Outcome, retracted.Finality, retracted.CausedBy));
        Assert.Contains("attribute-mismatch is open", retracted.Reason, StringComparison.Ordinal);
        Assert.Equal((Outcomes.Pending, Finalities.Provisional), (((OutcomeDeclared)opened[3]).Outcome, ((OutcomeDeclared)opened[3]).Finality));

        var corrected = _pay.When(Erp("ledger", "recorded", "e2", 90, """{"amount":"100.00"}"""));

        Assert.Equal(["SignalReceived", "ConflictResolved", "OutcomeDeclared"], Types(corrected));
        Assert.Equal(("succeeded", Finalities.Agreed), (((OutcomeDeclared)corrected[2]).Outcome, ((OutcomeDeclared)corrected[2]).Finality));
    }

    [Fact]
    public void Given_an_attribute_divergence_when_a_new_policy_version_no_longer_declares_the_attribute_then_its_deadline_opens_nothing()
    {
        _pay.Given(Gateway("captured", "g1", 0, """{"amount":"129.90"}"""), Erp("payment", "captured", "e1", 1, """{"amount":"129.00"}"""));
        var without = _pay.Policy with
        {
            Facets = _pay.Policy.Facets.SetItem("payment", _pay.Policy.Facets["payment"] with { Attributes = [] }),
            Matches = [],
        };

        var events = OperationDecider.Decide(_pay.State, without, new Tick(At(100), 2));

        Assert.Equal(["DeadlinePassed"], Types(events));
    }

    [Fact]
    public void Given_a_claim_when_its_source_sends_the_same_state_with_another_amount_then_it_is_a_correction_not_a_retry()
    {
        _pay.Given(Erp("ledger", "recorded", "e1", 0, """{"amount":"100.00","note":"a"}"""));

        var corrected = _pay.When(Erp("ledger", "recorded", "e2", 1, """{"amount":"101.00"}"""));
        var repeated = _pay.When(Erp("ledger", "recorded", "e3", 2, """{"amount":"101.00","note":"b"}"""));

        Assert.Equal((true, "fresh"), (((SignalReceived)corrected[0]).Applied, ((SignalReceived)corrected[0]).Judgement));
        Assert.Equal((false, ConflictKinds.Retry), (((SignalReceived)repeated[0]).Applied, ((SignalReceived)repeated[0]).Judgement));
        Assert.Equal("e2", _pay.State.Facets["ledger"].ClaimOf("erp")!.SignalId);
    }
}
