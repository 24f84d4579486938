using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;

namespace Reconciler.Core.State;

/// <summary>Evolve: applies one event to the state. No judging here: every decision is already in the event.</summary>
public static class OperationEvolver
{
    public static OperationState Evolve(OperationState state, OperationEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(@event);
        if (@event is SignalReceived received)
        {
            // Nine events in ten: stamped in the same copy.
            return OnReceived(state, received, received.At);
        }

        // Every case returns the new state already stamped (version, policy version, time): one copy per event.
        return @event switch
        {
            SignalDuplicated e => state with
            {
                OperationId = state.OperationId ?? e.OperationId,
                OperationType = state.OperationType ?? e.OperationType,
                StartedAt = state.StartedAt ?? e.At,
                Version = state.Version + 1,
                PolicyVersion = e.PolicyVersion,
                UpdatedAt = e.At,
            },
            ConflictOpened e => ConflictEvolution.Opened(state, e, state.Version + 1),
            ConflictResolved e => ConflictEvolution.Resolved(state, e, state.Version + 1),
            DivergenceStarted e => WithDeadlines(state, e,
                state.Divergences.SetItem(e.ConflictId, new Divergence(e.ConflictId, e.Kind, e.Facet, e.Sources, e.States, e.At, e.Due)
                {
                    Attribute = e.Attribute,
                    Facets = e.Facets,
                }),
                state.Expectations),
            DivergenceEnded e => WithDeadlines(state, e, state.Divergences.Remove(e.ConflictId), state.Expectations),
            ExpectationArmed e => WithDeadlines(state, e, state.Divergences,
                state.Expectations.Add(new ArmedExpectation(e.ExpectationIndex, e.At, e.Due, e.CauseSource, null))),
            ExpectationMet e => WithDeadlines(state, e, state.Divergences, WithoutExpectation(state.Expectations, e.ExpectationIndex)),
            ExpectationWithdrawn e => WithDeadlines(state, e, state.Divergences, WithoutExpectation(state.Expectations, e.ExpectationIndex)),
            DeadlinePassed { DeadlineKind: DeadlineKinds.Finish } e => WithDeadlines(state with { FinishPassed = true }, e, state.Divergences, state.Expectations),
            DeadlinePassed e => WithDeadlines(state, e,
                e.ExpectationIndex is null ? state.Divergences.Remove(e.Subject) : state.Divergences,
                state.Expectations),
            OutcomeDeclared e => WithAgreement(state with
            {
                Outcome = e.Outcome,
                OutcomeRuleIndex = e.RuleIndex,
                OutcomeFacets = FacetsOf(state, e),
                AgreedSince = null,
                Finalized = false,
                FinalAfter = IsoDuration.TryParse(e.FinalAfter, out var after) ? after : null,
            }, e),
            OutcomeRetracted e => Stamped(state, state, e),
            OutcomeFinalized e => WithAgreement(state with { Finalized = true }, e),
            OperatorResolved e => Stamped(OnOperatorResolved(state, e), state, e),
            ResolutionProposed e => Stamped(ConflictEvolution.Approval(state, e.ConflictId,
                new PendingResolution(e.Resolution, e.Reason, e.ProposedBy, e.At, e.OverrideFacet, e.OverrideState, e.Approvals), state.Version + 1), state, e),
            ResolutionRejected e => Stamped(ConflictEvolution.Approval(state, e.ConflictId, null, state.Version + 1), state, e),
            ResolutionLapsed e => Stamped(ConflictEvolution.Approval(state, e.ConflictId, null, state.Version + 1), state, e),
            SignalRejudged e => OnRejudged(state, e),
            FinishClockStarted e => Stamped(NextDeadlines.Refresh(state with { FinishDue = e.Due }), state, e),
            ConflictAcknowledged or ConflictSnoozed or ConflictAssigned or ConflictOverdue or ConflictEscalated =>
                Stamped(NextDeadlines.Refresh(ConflictEvolution.Lifecycle(state, @event, state.Version + 1)), state, @event),
            _ => throw new ArgumentException($"Unknown event {@event.GetType().Name}.", nameof(@event)),
        };
    }

    /// <summary>The state after <paramref name="e"/> (folded onto <paramref name="before"/>) is stamped with it.</summary>
    private static OperationState Stamped(OperationState after, OperationState before, OperationEvent e) =>
        after with { Version = before.Version + 1, PolicyVersion = e.PolicyVersion, UpdatedAt = e.At };

    // New divergences or expectations, their next deadline and the stamp in one copy of the state.
    private static OperationState WithDeadlines(OperationState s, OperationEvent e,
        ImmutableDictionary<string, Divergence> divergences, ImmutableList<ArmedExpectation> expectations) =>
        s with
        {
            Divergences = divergences,
            Expectations = expectations,
            NextDeadline = NextDeadlines.Of(s.FinalDue, divergences, expectations, NextDeadlines.Clocks(s)),
            Version = s.Version + 1,
            PolicyVersion = e.PolicyVersion,
            UpdatedAt = e.At,
        };

    /// <summary>The outcome's agreement brought up to date, its deadline among the others, and the stamp.</summary>
    internal static OperationState WithAgreement(OperationState s, OperationEvent e)
    {
        var agreed = OutcomeAgreement.Update(s, e.At);
        return agreed with
        {
            NextDeadline = NextDeadlines.Of(agreed.FinalDue, agreed.Divergences, agreed.Expectations, NextDeadlines.Clocks(agreed)),
            Version = s.Version + 1,
            PolicyVersion = e.PolicyVersion,
            UpdatedAt = e.At,
        };
    }

    // The facets a declaration rests on, in ordinal order; the same list again when they did not change.
    private static ImmutableList<string> FacetsOf(OperationState s, OutcomeDeclared e)
    {
        var same = e.FacetStates.Count == s.OutcomeFacets.Count;
        for (var i = 0; same && i < s.OutcomeFacets.Count; i++)
        {
            same = e.FacetStates.ContainsKey(s.OutcomeFacets[i]);
        }

        return same ? s.OutcomeFacets
            : e.FacetStates.IsEmpty ? [] : [.. e.FacetStates.Keys.Order(StringComparer.Ordinal)];
    }

    // A loop, not RemoveAll with a lambda: a lambda capturing a pattern variable makes Evolve allocate its
    // closure on every event, whichever arm runs.
    private static ImmutableList<ArmedExpectation> WithoutExpectation(ImmutableList<ArmedExpectation> expectations, int index)
    {
        for (var i = expectations.Count - 1; i >= 0; i--)
        {
            if (expectations[i].Index == index)
            {
                expectations = expectations.RemoveAt(i);
            }
        }

        return expectations;
    }

    // claimAt: when the claim was received (the event's time, but for a signal judged again its first receipt's).
    private static OperationState OnReceived(OperationState s, SignalReceived e, DateTimeOffset claimAt)
    {
        if (e.Judgement == ConflictKinds.Unmodeled)
        {
            return OnUnmodeled(s, e);
        }

        var reports = s.Reports.With(new Report(e.Source, e.Facet, e.State, e.EffectKey, e.SourceSequence));
        if (!e.Applied)
        {
            return s with
            {
                OperationId = s.OperationId ?? e.OperationId,
                OperationType = s.OperationType ?? e.OperationType,
                StartedAt = s.StartedAt ?? e.At,
                Reports = reports,
                Version = s.Version + 1,
                PolicyVersion = e.PolicyVersion,
                UpdatedAt = e.At,
            };
        }

        var facet = s.FacetOrEmpty(e.Facet);
        var claim = new SourceClaim(e.Source, e.State, claimAt, e.ObservedAt ?? claimAt, e.SourceSequence, e.SignalId, e.EffectKey)
        {
            AttributesJson = e.AttributesJson,
        };
        var claims = ReplaceClaim(facet.Claims, claim);
        var truth = e.Role switch
        {
            SourceStandings.Owner => Agreed(facet, claims, e.State, e.Source, Bases.Owner, e.At),
            SourceStandings.NonOwner when facet.Basis is Bases.None or Bases.Provisional => Agreed(facet, claims, e.State, e.Source, Bases.Provisional, e.At),
            SourceStandings.Unowned => UnownedTruth(facet, claims, e),
            _ => facet with { Claims = claims },
        };
        var effects = e.EffectKey is not null && !s.EffectKeys.ContainsKey(e.Facet) ? s.EffectKeys.Add(e.Facet, e.EffectKey) : s.EffectKeys;
        return s with
        {
            OperationId = s.OperationId ?? e.OperationId,
            OperationType = s.OperationType ?? e.OperationType,
            StartedAt = s.StartedAt ?? e.At,
            Reports = reports,
            EffectKeys = effects,
            FacetSlots = s.FacetSlots.With(e.Facet, truth),
            Version = s.Version + 1,
            PolicyVersion = e.PolicyVersion,
            UpdatedAt = e.At,
        };
    }

    /// <summary>
    /// A signal whose facet or state the policy did not name: held by the unmodeled conflict its decision opened or found open,
    /// until a newer version names it. It is no report: a copy sent again once the policy names it is judged as a new report,
    /// not as a retry of a signal that was never applied.
    /// </summary>
    private static OperationState OnUnmodeled(OperationState s, SignalReceived e)
    {
        var operationId = s.OperationId ?? e.OperationId;
        var id = ConflictIds.For(operationId, ConflictKinds.Unmodeled, e.Facet, [e.Source]);
        var held = s.Unmodeled.GetValueOrDefault(id) ?? [];
        return s with
        {
            OperationId = operationId,
            OperationType = s.OperationType ?? e.OperationType,
            StartedAt = s.StartedAt ?? e.At,
            Unmodeled = s.Unmodeled.SetItem(id, held.Add(s.Version + 1)),
            Version = s.Version + 1,
            PolicyVersion = e.PolicyVersion,
            UpdatedAt = e.At,
        };
    }

    /// <summary>A held signal judged again: folded as the signal it judges (received when it first was), no longer held, and
    /// part of its conflict's evidence.</summary>
    private static OperationState OnRejudged(OperationState s, SignalRejudged e)
    {
        var judged = new SignalReceived(e.OperationId, e.OperationType, e.Source, e.SignalId, e.Facet, e.State, e.ObservedAt ?? e.ReceivedAt,
            e.SourceSequence, e.EffectKey, e.AttributesJson, e.CorrelationId, e.CausationId, e.ContentHash, e.Applied, e.Role, e.Judgement)
        {
            At = e.At,
            PolicyVersion = e.PolicyVersion,
        };
        var after = OnReceived(s, judged, e.ReceivedAt);
        return ConflictEvolution.Rejudged(after, e.ConflictId, e.ReceivedVersion, after.Version);
    }

    private static FacetTruth Agreed(FacetTruth facet, ImmutableList<SourceClaim> claims, string? state, string? source, string basis, DateTimeOffset at) =>
        facet.State == state && facet.Basis == basis
            ? facet with { Source = source, Claims = claims }
            : new FacetTruth(state, source, basis, at, claims);

    // An unowned facet has an agreed state only while every source claims the same one.
    private static FacetTruth UnownedTruth(FacetTruth facet, ImmutableList<SourceClaim> claims, SignalReceived e)
    {
        if (facet.Basis == Bases.Override)
        {
            return facet with { Claims = claims };
        }

        var agreed = AllClaim(claims, e.State);
        return agreed
            ? Agreed(facet, claims, e.State, claims.Count == 1 ? e.Source : null, Bases.Provisional, e.At)
            : Agreed(facet, claims, null, null, Bases.None, e.At);
    }

    // A loop, not TrueForAll with a lambda: capturing the event would allocate a closure on every such signal.
    private static bool AllClaim(ImmutableList<SourceClaim> claims, string state)
    {
        for (var i = 0; i < claims.Count; i++)
        {
            if (claims[i].State != state)
            {
                return false;
            }
        }

        return true;
    }

    private static ImmutableList<SourceClaim> ReplaceClaim(ImmutableList<SourceClaim> claims, SourceClaim claim)
    {
        for (var i = 0; i < claims.Count; i++)
        {
            if (claims[i].Source == claim.Source)
            {
                return claims.SetItem(i, claim);
            }
        }

        return claims.Add(claim);
    }

    private static OperationState OnOperatorResolved(OperationState s, OperatorResolved e)
    {
        if (e.OverrideFacet is null || e.OverrideState is null)
        {
            return s;
        }

        var facet = s.FacetOrEmpty(e.OverrideFacet);
        var truth = facet with { State = e.OverrideState, Source = e.ResolvedBy, Basis = Bases.Override, Since = e.At };
        return s.WithFacet(e.OverrideFacet, truth);
    }
}
