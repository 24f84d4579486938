using System.Security.Cryptography;
using Reconciler.Core.Backtests;
using Reconciler.Core.Policies;
using Reconciler.Store.Backtests;
using Reconciler.Hosting;
using Reconciler.Plumbing;

namespace Reconciler.Backtests;

/// <summary>
/// Asks for a backtest of a candidate already read and checked (by the API or the console's what-if box): stores it queued
/// under a new id and wakes this server's worker.
/// </summary>
public static class BacktestStart
{
    public static async Task<BacktestRow> StartAsync(BacktestStore backtests, WorkerAlarm<BacktestWorker> alarm, TruthPolicy candidate,
        DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset asOf, string requestedBy, CancellationToken ct)
    {
        var id = "bt-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var row = await backtests.CreateAsync(new BacktestRequest(id, candidate.OperationType, PolicyWriter.Write(candidate), CandidateHash.Of(candidate),
            from, to, asOf, requestedBy), ct);
        alarm.Ring();
        return row;
    }
}
