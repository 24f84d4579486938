using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.WhatIf;
using Reconciler.Store;
using Reconciler.Store.Projections;

namespace Reconciler.Responses;

/// <summary>What an operation's stored history would give under a candidate policy, beside what it gives today (<c>POST /v1/operations/{id}/what-if</c>, the console's what-if).</summary>
public sealed record WhatIfResponse(
    string OperationId, TruthView Truth, IReadOnlyList<ConflictDocument> Conflicts, string Outcome, string CurrentOutcome,
    IReadOnlyList<WhatIfChange> Changes, int EventCount)
{
    /// <summary>The stored history judged again under <paramref name="policy"/> up to <paramref name="now"/>, compared with today's fold.</summary>
    public static WhatIfResponse Evaluate(string id, IReadOnlyList<RecordedEvent> recorded, TruthPolicy policy, DateTimeOffset now)
    {
        var history = recorded.Select(e => EventCodec.Deserialize(e.Type, e.Data)).ToList();
        var result = WhatIfReplay.Run(history, policy, WhatIfReplay.CandidateVersion, now);
        var today = OperationDecider.Fold(history);
        var conflicts = result.State.Conflicts.Values
            .OrderBy(c => c.FirstOpenedAt).ThenBy(c => c.ConflictId, StringComparer.Ordinal)
            .Select(c => ConflictDocument.From(c, id, recorded[0].OperationType))
            .ToList();
        return new WhatIfResponse(id, TruthView.From(id, result.State, policy), conflicts, result.State.Outcome, today.Outcome, result.Changes, result.Events.Count);
    }
}
