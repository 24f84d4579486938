using System.Collections.Immutable;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>Judges one signal by the first matching row of the judging table (DOMAIN.md).</summary>
internal static class SignalJudge
{
    public const string Fresh = "fresh";

    /// <summary>Why the operation cannot take this signal at all (another operation type or id), or null when it can.</summary>
    public static CommandRejectedException? Refusal(OperationState state, Signal s)
    {
        if (state.OperationType is { } type && type != s.OperationType)
        {
            return new CommandRejectedException("operation-type-mismatch",
                $"Operation '{s.OperationId}' is of type '{type}' (fixed by its first signal), not '{s.OperationType}'.");
        }
        return state.OperationId is { } id && id != s.OperationId
            ? new CommandRejectedException("operation-id-mismatch", $"The state is operation '{id}', the signal is for '{s.OperationId}'.")
            : null;
    }

    public static Decision Decide(OperationState state, TruthPolicy policy, ReceiveSignal command)
    {
        var s = command.Signal ?? throw new ArgumentException("A signal is required.", nameof(command));
        if (Refusal(state, s) is { } refused)
        {
            throw refused;
        }

        var d = new Decision(state, policy, command.PolicyVersion, command.ReceivedAt, command.Source, s.SignalId);
        var hash = SignalContent.Hash(s);
        if (command.KnownContentHash is { } original)
        {
            Duplicated(d, command, hash, original);
            return d;
        }

        var facetPolicy = policy.FindFacet(s.Facet);
        if (facetPolicy is null || !facetPolicy.States.Contains(s.State))
        {
            d.Add(Received(d, command, hash, false, SourceStandings.None, ConflictKinds.Unmodeled));
            // A near name is most likely a typo in the source's mapping: say which name it probably meant.
            var gap = facetPolicy is null
                ? $"facet '{s.Facet}'{NearNames.Hint(s.Facet, policy.FacetNames)}"
                : $"state '{s.State}' of facet '{s.Facet}'{NearNames.Hint(s.State, facetPolicy.States)}";
            d.Open(ConflictKinds.Unmodeled, s.Facet, [command.Source], [s.State], $"The policy does not name {gap}.",
                facetPolicy is null ? ConflictDifferences.Of("facet", (command.Source, s.Facet)) : ConflictDifferences.Of("state", (command.Source, s.State)));
            return d;
        }

        Judge(d, policy, facetPolicy, new Judged(s, command.Source, command.ReceivedAt, hash, null));
        return d;
    }

    /// <summary>
    /// The rows after the policy's own (retry, stale, duplicate effect, invalid transition, fresh) and what an applied signal
    /// causes, for a signal whose facet and state the policy names: one arriving now, or a stored one judged again.
    /// </summary>
    internal static void Judge(Decision d, TruthPolicy policy, FacetPolicy facetPolicy, in Judged j)
    {
        var s = j.Signal;
        var state = d.State;
        var role = facetPolicy.Owner is null ? SourceStandings.Unowned : facetPolicy.Owner == j.Source ? SourceStandings.Owner : SourceStandings.NonOwner;
        if (IsRetry(state, j) && !CorrectsAttributes(state, facetPolicy, j))
        {
            d.Add(Recorded(d, j, false, role, ConflictKinds.Retry));
            d.Absorb(ConflictKinds.Retry, s.Facet, [j.Source], [s.State],
                $"'{j.Source}' already reported {s.Facet}={s.State} under another signal id.",
                ConflictDifferences.Of("signalId", (j.Source, s.SignalId)));
            return;
        }

        var facet = state.FacetOrEmpty(s.Facet);
        var previous = facet.ClaimOf(j.Source);
        if (previous is not null && IsOlder(s, j.ReceivedAt, previous))
        {
            d.Add(Recorded(d, j, false, role, ConflictKinds.Stale));
            d.Absorb(ConflictKinds.Stale, s.Facet, [j.Source], [previous.State, s.State],
                $"Older than '{j.Source}''s last applied claim '{previous.SignalId}'.", StaleDifferences(s, j.ReceivedAt, previous));
            return;
        }

        var firstEffect = facetPolicy.Effect == FacetEffect.Once && s.EffectKey is not null ? state.EffectKeys.GetValueOrDefault(s.Facet) : null;
        var judgement =
            firstEffect is not null && firstEffect != s.EffectKey ? ConflictKinds.DuplicateEffect
            : role == SourceStandings.Owner && previous is not null && !facetPolicy.Allows(previous.State, s.State) ? ConflictKinds.InvalidTransition
            : Fresh;
        var before = facet.CountedState;
        d.Add(Recorded(d, j, true, role, judgement));
        if (judgement == ConflictKinds.DuplicateEffect)
        {
            d.Open(ConflictKinds.DuplicateEffect, s.Facet, [j.Source], [firstEffect!, s.EffectKey!],
                $"'{s.Facet}' happens at most once, but effect '{s.EffectKey}' follows effect '{firstEffect}'.",
                ConflictDifferences.Of("effectKey", (ConflictDifferences.First, firstEffect), (ConflictDifferences.Second, s.EffectKey)));
        }
        else if (judgement == ConflictKinds.InvalidTransition)
        {
            d.Open(ConflictKinds.InvalidTransition, s.Facet, [j.Source], [previous!.State, s.State],
                $"The policy does not allow {s.Facet} to move from '{previous.State}' to '{s.State}'.",
                ConflictDifferences.Of("state", ("from", previous.State), ("to", s.State)));
        }

        if (s.AttributesJson is not null && !facetPolicy.Attributes.IsEmpty)
        {
            AttributeReconciler.CheckParses(d, facetPolicy, s, j.Source);
        }

        FacetReconciler.Reconcile(d, policy, s.Facet);
        AttributeReconciler.Reconcile(d, policy, s.Facet);
        Consequences.Follow(d, policy, s.Facet, before);
    }

    private static void Duplicated(Decision d, ReceiveSignal c, string hash, string original)
    {
        var s = c.Signal;
        var same = hash == original;
        d.Add(new SignalDuplicated(s.OperationId, s.OperationType, c.Source, s.SignalId, s.Facet, s.State, s.ObservedAt, s.SourceSequence,
            s.EffectKey, s.AttributesJson, s.CorrelationId, s.CausationId, hash, original, same) { At = d.At, PolicyVersion = d.PolicyVersion });
        if (same)
        {
            d.Absorb(ConflictKinds.Duplicate, s.Facet, [c.Source], [s.State], $"'{c.Source}' delivered signal '{s.SignalId}' again.",
                ConflictDifferences.Of("signalId", (c.Source, s.SignalId)));
        }
        else
        {
            var changed = c.KnownSignal is { } first
                ? ConflictDifferences.ChangedFields(first, s)
                : ConflictDifferences.Of("contentHash", (ConflictDifferences.First, original), (ConflictDifferences.Second, hash));
            d.Open(ConflictKinds.IdempotencyViolation, s.Facet, [c.Source], [s.State],
                $"'{c.Source}' reused signal id '{s.SignalId}' for different content.", changed);
        }
    }

    // A stale signal is older by its source sequence, else by its observation time: that is what differs.
    private static ImmutableList<Difference> StaleDifferences(Signal s, DateTimeOffset receivedAt, SourceClaim previous) =>
        s.SourceSequence is { } sequence && previous.SourceSequence is { } last
            ? [new Difference("sourceSequence", [new("claim", ConflictDifferences.Number(last)), new("signal", ConflictDifferences.Number(sequence))])]
            : [new Difference("observedAt", [new("claim", ConflictDifferences.Time(previous.ObservedAt)),
                new("signal", ConflictDifferences.Time(s.ObservedAt ?? receivedAt))])];

    // A retry re-sends a report the source already made: same facet, state and effect key (absent equals absent).
    // When both reports carry a source sequence and the sequences differ, it is a new report, not a retry.
    private static bool IsRetry(OperationState state, in Judged j) =>
        state.Reports.HasReported(j.Source, j.Signal.Facet, j.Signal.State, j.Signal.EffectKey, j.Signal.SourceSequence);

    // A report that changes a declared attribute of the source's current claim (same state) is a correction, not a retry.
    private static bool CorrectsAttributes(OperationState state, FacetPolicy facetPolicy, in Judged j)
    {
        var signal = j.Signal;
        if (facetPolicy.Attributes.IsEmpty || state.FindFacet(signal.Facet)?.ClaimOf(j.Source) is not { } claim || claim.State != signal.State
            || claim.AttributesJson == signal.AttributesJson)
        {
            return false;
        }

        foreach (var attribute in facetPolicy.Attributes)
        {
            if (AttributeValues.Find(claim.AttributesJson, attribute.Name) != AttributeValues.Find(signal.AttributesJson, attribute.Name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsOlder(Signal s, DateTimeOffset receivedAt, SourceClaim previous) =>
        s.SourceSequence is { } sequence && previous.SourceSequence is { } last
            ? sequence < last
            : (s.ObservedAt ?? receivedAt) < previous.ObservedAt;

    private static SignalReceived Received(Decision d, ReceiveSignal c, string hash, bool applied, string role, string judgement)
    {
        var s = c.Signal;
        return new SignalReceived(s.OperationId, s.OperationType, c.Source, s.SignalId, s.Facet, s.State, s.ObservedAt, s.SourceSequence,
            s.EffectKey, s.AttributesJson, s.CorrelationId, s.CausationId, hash, applied, role, judgement)
        { At = d.At, PolicyVersion = d.PolicyVersion };
    }

    // A signal arriving now is received; a stored one judged again is re-judged, naming its original receipt.
    private static OperationEvent Recorded(Decision d, in Judged j, bool applied, string role, string judgement)
    {
        var s = j.Signal;
        return j.Original is not { } original
            ? new SignalReceived(s.OperationId, s.OperationType, j.Source, s.SignalId, s.Facet, s.State, s.ObservedAt, s.SourceSequence,
                s.EffectKey, s.AttributesJson, s.CorrelationId, s.CausationId, j.Hash, applied, role, judgement)
            { At = d.At, PolicyVersion = d.PolicyVersion }
            : new SignalRejudged(original.ConflictId, original.Version, j.ReceivedAt, original.PolicyVersion, s.OperationId, s.OperationType,
                j.Source, s.SignalId, s.Facet, s.State, s.ObservedAt, s.SourceSequence, s.EffectKey, s.AttributesJson, s.CorrelationId,
                s.CausationId, j.Hash, applied, role, judgement)
            { At = d.At, PolicyVersion = d.PolicyVersion };
    }
}

/// <summary>A signal being judged: from <paramref name="Source"/>, received at <paramref name="ReceivedAt"/> (its observation time
/// when it has none of its own), with its content hash; <paramref name="Original"/> is set when it is a stored signal judged again.</summary>
internal readonly record struct Judged(Signal Signal, string Source, DateTimeOffset ReceivedAt, string Hash, OriginalReceipt? Original);

/// <summary>Where a signal judged again was first received: at stream version <paramref name="Version"/>, under policy version
/// <paramref name="PolicyVersion"/>, held by the unmodeled conflict <paramref name="ConflictId"/>.</summary>
internal sealed record OriginalReceipt(string ConflictId, long Version, int PolicyVersion);
