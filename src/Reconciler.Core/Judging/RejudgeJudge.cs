using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>
/// A policy fix reaches the signals already received (docs/domain.md, "Re-judging after a policy fix"). An open
/// <c>unmodeled</c> conflict holds the signals recorded without being applied because the policy did not name their facet
/// or state; under a newer version that names them, each is judged as if it arrived now, at its own observation time and
/// source sequence (<see cref="SignalRejudged"/>), and once it holds no signal the version leaves unnamed it closes
/// <c>modeled-by-policy</c>. A conflict about an unparsable attribute closes the same way once the version makes the value
/// comparable (it parses, the attribute is <c>exact</c>, or no longer declared). Whatever was judged again is no longer
/// held, and a closed conflict is not judged again: repeating the command decides nothing.
/// </summary>
internal static class RejudgeJudge
{
    public static Decision Decide(OperationState state, TruthPolicy policy, RejudgeConflict command)
    {
        var d = new Decision(state, policy, command.PolicyVersion, command.At, null, null);
        if (state.Conflicts.GetValueOrDefault(command.ConflictId) is not { IsOpen: true, Kind: ConflictKinds.Unmodeled, Facet: { } facet } record
            || record.Sources.Count != 1)
        {
            return d;
        }

        if (UnparsableAttribute(state, record) is { } attribute)
        {
            Attribute(d, policy, record, facet, attribute);
        }
        else
        {
            Signals(d, policy, command, record);
        }

        return d;
    }

    private static void Signals(Decision d, TruthPolicy policy, RejudgeConflict command, ConflictRecord record)
    {
        if (d.State.Unmodeled.GetValueOrDefault(record.ConflictId) is not { IsEmpty: false } held)
        {
            return;
        }

        var named = new List<string>();
        foreach (var version in held)
        {
            // Only what the conflict holds, as it was recorded: a stale read of the caller's finds nothing to do.
            if (Find(command.Signals, version) is not { } r || r.Judgement != ConflictKinds.Unmodeled || r.Source != record.Sources[0]
                || r.Facet != record.Facet || r.OperationId != d.State.OperationId || policy.FindFacet(r.Facet) is not { } facetPolicy
                || !facetPolicy.States.Contains(r.State))
            {
                continue;
            }

            d.CausedBySignal(r.Source, r.SignalId);
            SignalJudge.Judge(d, policy, facetPolicy,
                new Judged(SignalReceipts.SignalOf(r), r.Source, r.At, r.ContentHash, new OriginalReceipt(record.ConflictId, version, r.PolicyVersion)));
            if (!named.Contains(r.State))
            {
                named.Add(r.State);
            }
        }

        if (named.Count > 0 && d.State.Unmodeled.GetValueOrDefault(record.ConflictId) is null or { IsEmpty: true } && d.State.IsConflictOpen(record.ConflictId))
        {
            var what = string.Join(", ", named.Select(n => $"'{n}'"));
            d.Resolve(record.ConflictId, Resolutions.ModeledByPolicy, null,
                $"Policy version {d.PolicyVersion} names what '{record.Sources[0]}' reported on '{record.Facet}': {what}.");
        }
    }

    private static SignalReceived? Find(IReadOnlyList<StoredSignal> signals, long version)
    {
        for (var i = 0; i < signals.Count; i++)
        {
            if (signals[i].Version == version)
            {
                return signals[i].Received;
            }
        }

        return null;
    }

    private static void Attribute(Decision d, TruthPolicy policy, ConflictRecord record, string facet, Difference attribute)
    {
        var declared = policy.FindFacet(facet)?.FindAttribute(attribute.Field);
        var value = attribute.Values[0].Json;
        var reason =
            declared is null ? $"Policy version {d.PolicyVersion} no longer declares '{attribute.Field}' on '{facet}'."
            : declared.Type == AttributeType.Exact ? $"Policy version {d.PolicyVersion} compares '{attribute.Field}' on '{facet}' as text."
            : AttributeValues.Parses(declared.Type, value)
                ? $"Under policy version {d.PolicyVersion}, {attribute.Field}={AttributeValues.Text(value)} on '{facet}' is a {PolicyReader.TypeName(declared.Type)} value."
            : null;
        if (reason is null)
        {
            return;
        }

        d.Resolve(record.ConflictId, Resolutions.ModeledByPolicy, null, reason);

        // The value is comparable now (or no longer compared): the facet's claims are compared as the version says.
        if (policy.FindFacet(facet) is not null)
        {
            AttributeReconciler.Reconcile(d, policy, facet);
        }
    }

    /// <summary>The difference naming the attribute, when the conflict is about an unparsable attribute value rather than a
    /// facet or state the policy lacked: its identity is the one <see cref="AttributeReconciler.CheckParses"/> gives.</summary>
    private static Difference? UnparsableAttribute(OperationState state, ConflictRecord record)
    {
        if (record.Differences is not [{ Values: [_, ..] } difference, ..])
        {
            return null;
        }

        var id = ConflictIds.For(state.OperationId, ConflictKinds.Unmodeled, record.Facet, record.Sources, "attribute:" + difference.Field);
        return id == record.ConflictId ? difference : null;
    }
}
