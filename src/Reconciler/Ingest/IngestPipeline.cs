using System.Diagnostics;
using Reconciler.Api;
using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Store.Sources;
using Reconciler.Store.Writing;
using Reconciler.Telemetry;
using Reconciler.Http;

namespace Reconciler.Ingest;

/// <summary>
/// Judges a request's signals in one unit of work of the write path: every touched operation locked and
/// loaded, each signal decided by the core in request order (its operation's due deadlines first), all
/// appended and projected in one commit — and only then answered. Through <see cref="GroupCommit"/>, the unit
/// may hold other requests' signals too.
/// </summary>
public sealed class IngestPipeline(GroupCommit commits, SourceMonitor sources)
{
    public async Task<IReadOnlyList<SignalResult>> IngestAsync(string source, IReadOnlyList<Signal> signals, CancellationToken ct)
    {
        using var activity = ReconcilerTelemetry.Source.StartActivity("ingest");
        activity?.SetTag("reconciler.signals", signals.Count);
        var started = Stopwatch.GetTimestamp();
        var scope = WriteScope.ForSignals(source, signals.Select(s => (s.OperationId, s.OperationType, s.SignalId)));
        // What the engine knows of the sources, for a deadline a signal lets pass (is the missing signal's owner silent?).
        var watch = await sources.WatchAsync(ct);
        // Queued with other requests' writes and committed together (one commit for many one-signal requests).
        var judged = await commits.WriteAsync(scope, signals.Count, batch => Judge(batch, source, signals, watch), ct);
        await sources.SignalSeenAsync(source, ct);
        var results = judged.Select(j => j()).ToArray();
        foreach (var result in results)
        {
            ReconcilerTelemetry.SignalsJudged.Add(1, new KeyValuePair<string, object?>("status", result.Status));
        }
        ReconcilerTelemetry.IngestDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return results;
    }

    /// <summary>Decides every signal on the batch; each result is read once the unit is committed (positions are known then).</summary>
    private static Func<SignalResult>[] Judge(WriteBatch batch, string source, IReadOnlyList<Signal> signals, SourceWatch watch)
    {
        var results = new Func<SignalResult>[signals.Count];
        for (var index = 0; index < signals.Count; index++)
        {
            results[index] = JudgeOne(batch, source, signals[index], index, watch);
        }
        return results;
    }

    private static Func<SignalResult> JudgeOne(WriteBatch batch, string source, Signal signal, int index, SourceWatch watch)
    {
        if (Reject(batch, signal, source) is { } problem)
        {
            var rejected = Rejected(index, signal, problem);
            return () => rejected;
        }
        // Past Reject the operation is of the signal's type (or new), and that type has a policy.
        var policyVersion = batch.LatestPolicyVersion(signal.OperationType)!.Value;
        IReadOnlyList<OperationEvent> events;
        StagedEvents staged;
        try
        {
            var receipt = batch.ReceiptOf(source, signal.SignalId);
            var command = new ReceiveSignal(signal, source, batch.Now, policyVersion, receipt?.ContentHash, receipt?.First) { Sources = watch };
            (events, staged) = batch.Decide(signal.OperationId, signal.OperationType, policyVersion, command,
                new EventMetadata(source, signal.SignalId, signal.CorrelationId, signal.CausationId, null) { Origin = signal.Origin });
        }
        catch (CommandRejectedException e)
        {
            var rejected = Rejected(index, signal, Problem(e));
            return () => rejected;
        }
        // The signal's own event follows the deadlines that passed first.
        var own = 0;
        while (events[own] is not (SignalReceived or SignalDuplicated))
        {
            own++;
        }
        var verdict = SignalVerdict.Of(events.Skip(own).ToList());
        return () =>
        {
            var final = batch.StateOf(signal.OperationId);
            return new SignalResult(index, signal.OperationId, verdict.Status, staged.PositionOf(own), staged.FirstVersion + own,
                final.Outcome, final.Health, final.NextDeadline, verdict.ConflictsOpened, null);
        };
    }

    // What the store knows and the core cannot: is there a policy, was the signal id used for another operation. Whether
    // the operation takes the signal at all is the core's rule (asked first, so that answer wins as it always did).
    private static SignalProblem? Reject(WriteBatch batch, Signal signal, string source)
    {
        if (batch.LatestPolicyVersion(signal.OperationType) is null)
        {
            return new SignalProblem("unknown-operation-type", "Unknown operation type",
                $"No policy exists for operation type '{signal.OperationType}'; an admin creates one with PUT /v1/policies/{signal.OperationType}.");
        }
        if (OperationDecider.RefusalOf(batch.StateOf(signal.OperationId), signal) is { } refused)
        {
            return Problem(refused);
        }
        if (batch.ReceiptOf(source, signal.SignalId) is { } receipt && receipt.OperationId != signal.OperationId)
        {
            return new SignalProblem("signal-id-reused", "Signal id already used",
                $"Source '{source}' already used signal id '{signal.SignalId}' for operation '{receipt.OperationId}'; signal ids must be unique per source.");
        }
        return null;
    }

    private static SignalProblem Problem(CommandRejectedException e) =>
        new(e.Code, e.Code == "operation-type-mismatch" ? "Operation type mismatch" : "The signal was rejected", e.Message);

    private static SignalResult Rejected(int index, Signal signal, SignalProblem problem) =>
        new(index, signal.OperationId, SignalStatuses.Rejected, null, null, null, null, null, [],
            problem with { Type = Problems.TypeBase + problem.Type });
}
