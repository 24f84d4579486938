using System.Diagnostics;
using Reconciler.Api;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Views;
using Reconciler.Deadlines;
using Reconciler.Operations;
using Reconciler.Policies;
using Reconciler.Telemetry;

namespace Reconciler.Ingest;

/// <summary>
/// Judges a request's signals: in one transaction, lock every touched operation (fixed order), load its
/// snapshot, decide, append events and receipts, update the projections, commit — and only then answer.
/// </summary>
public sealed class IngestPipeline(
    WriteTransactions transactions, OperationRows rows, PolicyRepository policies, DeadlineAlarm alarm, TimeProvider clock)
{
    public async Task<IReadOnlyList<SignalResult>> IngestAsync(string source, IReadOnlyList<Signal> signals, CancellationToken ct)
    {
        using var activity = ReconcilerTelemetry.Source.StartActivity("ingest");
        activity?.SetTag("reconciler.signals", signals.Count);
        var started = Stopwatch.GetTimestamp();
        var byOperation = signals.Select((s, i) => (Index: i, Signal: s)).GroupBy(x => x.Signal.OperationId, StringComparer.Ordinal).ToList();
        var results = await transactions.RunAsync(async (connection, transaction, token) =>
        {
            var receivedAt = clock.GetUtcNow();
            var loaded = await rows.LockAndLoadAsync(
                connection, transaction,
                byOperation.Select(g => g.Key).ToList(),
                signals.Select(s => s.OperationType).Distinct(StringComparer.Ordinal).ToList(),
                source, signals.Select(s => s.SignalId).Distinct(StringComparer.Ordinal).ToList(), token);
            var results = new SignalResult[signals.Count];
            var changes = new List<(OperationChange Change, List<(int Index, int FirstEvent, int EventCount)> Signals)>();
            foreach (var group in byOperation)
            {
                var judged = await JudgeOperationAsync(source, group.ToList(), loaded, receivedAt, results, token);
                if (judged is not null)
                {
                    changes.Add(judged.Value);
                }
            }
            var positions = await rows.SaveAsync(connection, transaction, changes.Select(c => c.Change).ToList(), token);
            foreach (var (change, judgedSignals) in changes)
            {
                foreach (var (index, firstEvent, eventCount) in judgedSignals)
                {
                    results[index] = Outcome(index, change, positions[change.OperationId], firstEvent, eventCount);
                }
            }
            return results;
        }, ct);
        foreach (var result in results)
        {
            ReconcilerTelemetry.SignalsJudged.Add(1, new KeyValuePair<string, object?>("status", result.Status));
        }
        ReconcilerTelemetry.IngestDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        alarm.Ring();
        return results;
    }

    private async Task<(OperationChange, List<(int, int, int)>)?> JudgeOperationAsync(
        string source, List<(int Index, Signal Signal)> items, LoadedOperations loaded, DateTimeOffset receivedAt,
        SignalResult[] results, CancellationToken ct)
    {
        var operationId = items[0].Signal.OperationId;
        var before = loaded.Get(operationId).State;
        var state = before;
        var events = new List<OperationEvent>();
        var metadata = new List<EventMetadata>();
        var receipts = new List<NewReceipt>();
        var judged = new List<(int, int, int)>();
        foreach (var (index, signal) in items)
        {
            var operationType = state.OperationType ?? signal.OperationType;
            var rejection = Reject(signal, operationType, loaded, source);
            if (rejection is not null)
            {
                results[index] = Rejected(index, signal, rejection);
                continue;
            }
            var policyVersion = loaded.LatestPolicyVersions[operationType];
            var policy = (await policies.GetAsync(operationType, policyVersion, ct))!.Policy;
            var decided = DueDeadlines.Pass(state, policy, receivedAt, policyVersion).ToList();
            try
            {
                var afterTick = decided.Aggregate(state, OperationDecider.Evolve);
                var forSignal = OperationDecider.Decide(afterTick, policy, new ReceiveSignal(signal, source, receivedAt, policyVersion));
                var firstEvent = events.Count + decided.Count;
                decided.AddRange(forSignal);
                judged.Add((index, firstEvent, forSignal.Count));
                if (forSignal.Count > 0 && forSignal[0] is SignalReceived received)
                {
                    receipts.Add(new NewReceipt(source, signal.SignalId, received.ContentHash, firstEvent));
                }
            }
            catch (CommandRejectedException e)
            {
                results[index] = Rejected(index, signal, new SignalProblem(e.Code, "The signal was rejected", e.Message));
                continue;
            }
            foreach (var e in decided)
            {
                events.Add(e);
                metadata.Add(new EventMetadata(source, signal.SignalId, signal.CorrelationId, signal.CausationId, null));
                state = OperationDecider.Evolve(state, e);
            }
        }
        if (events.Count == 0)
        {
            return null;
        }
        return (new OperationChange(operationId, state.OperationType!, before, state, events, metadata, receipts), judged);
    }

    private static SignalProblem? Reject(Signal signal, string operationType, LoadedOperations loaded, string source)
    {
        if (!loaded.LatestPolicyVersions.ContainsKey(signal.OperationType))
        {
            return new SignalProblem("unknown-operation-type", "Unknown operation type",
                $"No policy exists for operation type '{signal.OperationType}'; an admin creates one with PUT /v1/policies/{signal.OperationType}.");
        }
        if (operationType != signal.OperationType)
        {
            return new SignalProblem("operation-type-mismatch", "Operation type mismatch",
                $"Operation '{signal.OperationId}' is of type '{operationType}' (fixed by its first signal), not '{signal.OperationType}'.");
        }
        if (loaded.ReceiptOperations.TryGetValue(signal.SignalId, out var other) && other != signal.OperationId)
        {
            return new SignalProblem("signal-id-reused", "Signal id already used",
                $"Source '{source}' already used signal id '{signal.SignalId}' for operation '{other}'; signal ids must be unique per source.");
        }
        return null;
    }

    private static SignalResult Rejected(int index, Signal signal, SignalProblem problem) =>
        new(index, signal.OperationId, SignalStatuses.Rejected, null, null, null, null, [],
            problem with { Type = Problems.TypeBase + problem.Type });

    /// <summary>A judged signal's result: its own event's position and version, and what the core made of it.</summary>
    private static SignalResult Outcome(int index, OperationChange change, IReadOnlyList<long> positions, int firstEvent, int eventCount)
    {
        var verdict = SignalVerdict.Of(change.Events.Skip(firstEvent).Take(eventCount).ToList());
        return new SignalResult(
            index, change.OperationId, verdict.Status, positions[firstEvent], change.Before.Version + firstEvent + 1,
            change.After.Outcome, change.After.Health, verdict.ConflictsOpened, null);
    }
}
