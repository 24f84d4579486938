using System.Collections.Immutable;
using System.Text.Json;
using Reconciler.Core.Backtests;

namespace Reconciler.IntegrationTests.Backtests;

/// <summary>One operation as the API shows it, today and replayed under the candidate by <c>POST /v1/operations/{id}/what-if</c>.</summary>
public sealed record Observed(string OperationId, JsonElement WhatIf, JsonElement Truth, IReadOnlyList<JsonElement> Conflicts, IReadOnlyList<JsonElement> Events);

/// <summary>
/// The summary a backtest must give, worked out from what-if replays one operation at a time and from what the API says of
/// today (truth, conflict records, stream events): every figure of docs/api.md's summary, by the rules of docs/domain.md,
/// with none of the backtest's code. The Core records serve only as the shape of the answer.
/// A decision counts as replayed when the candidate's record of its conflict is resolved by it (same resolution, resolver and
/// time); a record that reopened later under the candidate cannot be told apart from the what-if answer, so the data of the
/// tests that use this oracle has no such case (the core tests cover it).
/// </summary>
public static class BacktestOracle
{
    public static BacktestSummary Expect(IReadOnlyList<Observed> operations, IReadOnlyDictionary<string, string[]> candidateStates)
    {
        bool Names(string facet, string state) => candidateStates.TryGetValue(facet, out var states) && states.Contains(state);
        var outcomes = new Dictionary<(string, string), long>();
        var finality = new Dictionary<(string, string), long>();
        var facets = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var kinds = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
        var severities = new Dictionary<(string, string, string, string), long>();
        var decisions = new List<DecisionAtRisk>();
        var examples = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        long changed = 0, rejudgedConflicts = 0, rejudgedSignals = 0;
        void Example(string change, string id) => (examples.TryGetValue(change, out var set) ? set : examples[change] = new(StringComparer.Ordinal)).Add(id);
        long[] Kind(string kind) => kinds.TryGetValue(kind, out var row) ? row : kinds[kind] = new long[7];

        foreach (var o in operations)
        {
            var (before, after) = (S(o.WhatIf, "currentOutcome"), S(o.WhatIf, "outcome"));
            var (finalBefore, finalAfter) = (S(o.Truth, "finality"), S(o.WhatIf.GetProperty("truth"), "finality"));
            outcomes[(before, after)] = outcomes.GetValueOrDefault((before, after)) + 1;
            finality[(finalBefore, finalAfter)] = finality.GetValueOrDefault((finalBefore, finalAfter)) + 1;
            Conditional(before != after, () => Example($"outcome:{before}->{after}", o.OperationId));
            Conditional(finalBefore != finalAfter, () => Example($"finality:{finalBefore}->{finalAfter}", o.OperationId));
            var changes = o.WhatIf.GetProperty("changes").EnumerateArray().ToList();
            foreach (var facet in changes.Where(c => S(c, "what") == "facet").Select(c => S(c, "subject")).Distinct())
            {
                facets[facet] = facets.GetValueOrDefault(facet) + 1;
                Example($"facet:{facet}", o.OperationId);
            }

            var today = o.Conflicts.ToDictionary(c => S(c, "conflictId"));
            var candidate = o.WhatIf.GetProperty("conflicts").EnumerateArray().ToDictionary(c => S(c, "conflictId"));
            var touched = new HashSet<string>();
            foreach (var c in today.Values)
            {
                var row = Kind(S(c, "kind"));
                row[0]++;
                row[2] += S(c, "status") == "open" ? 1 : 0;
                if (!candidate.ContainsKey(S(c, "conflictId")))
                {
                    row[5]++;
                    touched.Add("disappear:" + S(c, "kind"));
                }
            }
            foreach (var c in candidate.Values)
            {
                var row = Kind(S(c, "kind"));
                row[1]++;
                row[3] += S(c, "status") == "open" ? 1 : 0;
                if (!today.ContainsKey(S(c, "conflictId")))
                {
                    row[4]++;
                    touched.Add("appear:" + S(c, "kind"));
                }
            }
            foreach (var (from, to) in SeverityPairs(today, candidate))
            {
                Kind(S(to, "kind"))[6]++;
                touched.Add("severity:" + S(to, "kind"));
                var key = (S(from, "kind"), S(from, "severity"), S(to, "kind"), S(to, "severity"));
                severities[key] = severities.GetValueOrDefault(key) + 1;
            }
            touched.ToList().ForEach(t => Example(t, o.OperationId));

            var atRisk = o.Events.Where(e => S(e, "type") == "OperatorResolved").Select(e => Review(o.OperationId, e, today, candidate, Names)).OfType<DecisionAtRisk>().ToList();
            atRisk.ForEach(d => Example("decision:" + d.Risk, o.OperationId));
            decisions.AddRange(atRisk);
            changed += changes.Count > 0 || atRisk.Count > 0 ? 1 : 0;

            var held = Held(o, today.Values, Names);
            rejudgedConflicts += held.Conflicts;
            rejudgedSignals += held.Signals;
            Conditional(held.Signals > 0, () => Example("rejudged", o.OperationId));
        }

        return new BacktestSummary(
            operations.Count,
            changed,
            Transitions(outcomes),
            Transitions(finality),
            [.. facets.Select(f => new FacetFigure(f.Key, f.Value))],
            [.. kinds.Select(k => new ConflictFigures(k.Key, SeverityOf(k.Key), k.Value[0], k.Value[1], k.Value[2], k.Value[3], k.Value[4], k.Value[5], k.Value[6]))],
            [.. severities.Select(s => new SeverityChange(s.Key.Item1, s.Key.Item2, s.Key.Item3, s.Key.Item4, s.Value))
                .OrderBy(s => s.FromKind, StringComparer.Ordinal).ThenBy(s => s.FromSeverity, StringComparer.Ordinal)
                .ThenBy(s => s.ToKind, StringComparer.Ordinal).ThenBy(s => s.ToSeverity, StringComparer.Ordinal)],
            new DecisionFigures(
                decisions.Count,
                [.. decisions.GroupBy(d => (d.Decision, d.Risk)).Select(g => new DecisionCount(g.Key.Decision, g.Key.Risk, g.Count()))
                    .OrderBy(d => d.Decision, StringComparer.Ordinal).ThenBy(d => d.Risk, StringComparer.Ordinal)],
                [.. decisions.OrderBy(d => d.DecidedAt).ThenBy(d => d.OperationId, StringComparer.Ordinal).ThenBy(d => d.ConflictId, StringComparer.Ordinal).Take(100)]),
            new RejudgeFigures(rejudgedConflicts, rejudgedSignals),
            [.. examples.Select(e => new ChangeExamples(e.Key, [.. e.Value.Take(20)]))]);
    }

    /// <summary>The decision of an OperatorResolved event, when the candidate would not let it stand.</summary>
    public static DecisionAtRisk? Review(string operationId, JsonElement e, Dictionary<string, JsonElement> today, Dictionary<string, JsonElement> candidate,
        Func<string, string, bool> names)
    {
        var data = e.GetProperty("data");
        var id = S(data, "conflictId");
        var (resolution, by, at) = (S(data, "resolution"), S(data, "resolvedBy"), e.GetProperty("time").GetDateTimeOffset());
        var now = candidate.TryGetValue(id, out var c) ? c : (JsonElement?)null;
        string? risk;
        if (now is { } n && S(n, "status") == "resolved" && S(n, "resolution") == resolution && S(n, "resolvedBy") == by && n.GetProperty("resolvedAt").GetDateTimeOffset() == at)
        {
            var was = today[id];
            risk = Same(was, n, "states") && Same(was, n, "sources") && S(was, "status") == S(n, "status") ? null : "conflict-differs";
        }
        else if (now is { } p && p.TryGetProperty("pendingResolution", out var pending) && S(pending, "proposedBy") == by && S(pending, "resolution") == resolution)
        {
            risk = "needs-approval";
        }
        else
        {
            risk = now is null ? "conflict-not-recorded"
                : Opt(data, "overrideFacet") is { } facet && !names(facet, S(data, "overrideState")) ? "override-invalid"
                : "conflict-not-open";
        }
        if (risk is null)
        {
            return null;
        }
        return new DecisionAtRisk(operationId, id, S(today[id], "kind"),
            Opt(data, "approvedBy") is not null ? "approval" : resolution == "overridden" ? "override" : "resolution",
            resolution, by, at, S(data, "reason"), risk, now is { } r ? $"{S(r, "kind")} {S(r, "status")}" : null)
        {
            ApprovedBy = Opt(data, "approvedBy"),
            ApprovalReason = Opt(data, "approvalReason"),
            OverrideFacet = Opt(data, "overrideFacet"),
            OverrideState = Opt(data, "overrideState"),
        };
    }

    // Signals an open unmodeled conflict holds (its source's unmodeled signals on its facet) that the candidate names.
    private static (long Conflicts, long Signals) Held(Observed o, IEnumerable<JsonElement> today, Func<string, string, bool> names)
    {
        long conflicts = 0, signals = 0;
        foreach (var c in today.Where(c => S(c, "kind") == "unmodeled" && S(c, "status") == "open"))
        {
            var source = c.GetProperty("sources")[0].GetString();
            var named = o.Events.Select(e => e.GetProperty("data")).Count(d => S(d, "judgement") == "unmodeled" && S(d, "source") == source
                && S(d, "facet") == S(c, "facet") && names(S(d, "facet"), S(d, "state")));
            conflicts += named > 0 ? 1 : 0;
            signals += named;
        }
        return (conflicts, signals);
    }

    private static IEnumerable<(JsonElement From, JsonElement To)> SeverityPairs(Dictionary<string, JsonElement> today, Dictionary<string, JsonElement> candidate)
    {
        foreach (var (id, c) in candidate.Where(c => today.ContainsKey(c.Key)))
        {
            if (S(today[id], "severity") != S(c, "severity"))
            {
                yield return (today[id], c);
            }
        }
        var gone = today.Where(t => !candidate.ContainsKey(t.Key)).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Value).ToList();
        foreach (var come in candidate.Where(c => !today.ContainsKey(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value))
        {
            var index = gone.FindIndex(g => Opt(g, "facet") == Opt(come, "facet") && Same(g, come, "sources") && S(g, "severity") != S(come, "severity"));
            if (index >= 0)
            {
                yield return (gone[index], come);
                gone.RemoveAt(index);
            }
        }
    }

    private static ImmutableList<Transition> Transitions(Dictionary<(string, string), long> counts) =>
        [.. counts.Select(c => new Transition(c.Key.Item1, c.Key.Item2, c.Value)).OrderBy(t => t.From, StringComparer.Ordinal).ThenBy(t => t.To, StringComparer.Ordinal)];

    private static string SeverityOf(string kind) => kind switch
    {
        "duplicate" or "retry" or "stale" => "info",
        "idempotency-violation" or "duplicate-effect" or "premature-effect" or "final-outcome-changed" => "high",
        _ => "medium",
    };

    private static void Conditional(bool condition, Action action)
    {
        if (condition)
        {
            action();
        }
    }

    private static bool Same(JsonElement a, JsonElement b, string name) => a.GetProperty(name).GetRawText() == b.GetProperty(name).GetRawText();

    private static string S(JsonElement e, string name) => Opt(e, name) ?? "";

    private static string? Opt(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
