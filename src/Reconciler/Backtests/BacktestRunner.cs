using System.Diagnostics;
using System.Threading.Channels;
using Npgsql;
using Reconciler.Cluster;
using Reconciler.Core.Backtests;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Store.Backtests;
using Reconciler.Store.Cluster;
using Reconciler.Store.Projections;

namespace Reconciler.Backtests;

/// <summary>
/// Runs one backtest as <c>projections rebuild</c> runs (docs/write-path.md): the planner's statistics refreshed first when stale,
/// then three stages with at most a couple of pages in each, so memory stays bounded whatever the history holds: read the
/// type's streams in stream-id order (one connection; event data as UTF-8 bytes), compare each operation under the candidate on
/// every core (pure: decoded from the bytes, folded, replayed; nothing is written to any operation), and commit each page's
/// changes with the cursor, the operations done and the summary so far. A run that stops anywhere resumes after its last
/// committed page with the summary stored there; the tally is commutative, so where it stopped does not change the result.
/// </summary>
public sealed partial class BacktestRunner(NpgsqlDataSource dataSource, BacktestRuns runs, BacktestOptions options, TimeProvider clock, ILogger<BacktestRunner> logger)
{
    // Time each stage of the current run was busy (they overlap), for its log line: where a slow run spends its time.
    private TimeSpan _reading, _comparing, _committing;

    public async Task RunAsync(BacktestRun run, HeldLease lease, CancellationToken ct)
    {
        var read = PolicyReader.Read(run.Candidate);
        if (read.Policy is not { } candidate)
        {
            await runs.FailAsync(run, "The candidate no longer reads: " + string.Join("; ", read.Problems.Select(p => $"{p.Path}: {p.Message}")), lease.Fence, ct);
            return;
        }
        try
        {
            await RunAsync(run, candidate, lease.Fence, ct);
        }
        catch (Exception e) when (e is not (OperationCanceledException or LeaseLostException) && (e is BacktestFailure || run.Attempts + 1 >= options.MaxAttempts))
        {
            // A fault of the data or of the code fails it clearly; anything else (the database away) is tried again from the last page.
            LogFailed(logger, run.Id, e);
            await runs.FailAsync(run, e is BacktestFailure ? e.Message : $"Stopped after {run.Attempts + 1} attempts: {e.Message}", lease.Fence, CancellationToken.None);
        }
    }

    private async Task RunAsync(BacktestRun run, TruthPolicy candidate, LeaseFence fence, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        long total;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            await PlannerStatistics.RefreshIfStaleAsync(connection, ct);
            total = run.Total ?? await BacktestStreams.CountAsync(connection, run.OperationType, run.From, run.To, ct);
        }
        if (!await runs.StartAsync(run, total, fence, ct))
        {
            return;
        }
        LogStarted(logger, run.Id, run.OperationType, run.Done, total);
        (_reading, _comparing, _committing) = (TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        var tally = run.Summary is { } stored ? BacktestTally.From(BacktestSummary.FromJson(stored)) : new BacktestTally();
        var done = run.Done;

        var pages = Channel.CreateBounded<List<OperationStream>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var compared = Channel.CreateBounded<(List<OperationBacktest> Page, string After)>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = ReadAllAsync(run, pages.Writer, stop.Token);
        var comparing = CompareAllAsync(run, candidate, pages.Reader, compared.Writer, stop.Token);
        try
        {
            await foreach (var (page, after) in compared.Reader.ReadAllAsync(stop.Token))
            {
                var committing = Stopwatch.GetTimestamp();
                page.ForEach(tally.Add);
                done += page.Count;
                if (!await runs.CommitPageAsync(run, page, after, done, tally.ToSummary(), fence, ct))
                {
                    LogCancelled(logger, run.Id, done);
                    return;
                }
                _committing += Stopwatch.GetElapsedTime(committing);
                if (options.PagePause > TimeSpan.Zero)
                {
                    await Task.Delay(options.PagePause, clock, ct);
                }
            }
            await reading;
            await comparing;
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(reading, comparing).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        if (await runs.FinishAsync(run, tally.ToSummary().WithHash(), fence, ct))
        {
            LogFinished(logger, run.Id, done - run.Done, watch.Elapsed.TotalSeconds, (done - run.Done) / Math.Max(watch.Elapsed.TotalSeconds, 0.001),
                _reading.TotalSeconds, _comparing.TotalSeconds, _committing.TotalSeconds);
        }
    }

    private async Task ReadAllAsync(BacktestRun run, ChannelWriter<List<OperationStream>> pages, CancellationToken ct)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var after = run.AfterOperation;
            while (true)
            {
                var start = Stopwatch.GetTimestamp();
                var page = await BacktestStreams.ReadPageAsync(connection, run.OperationType, run.From, run.To, after, options.PageSize, ct);
                _reading += Stopwatch.GetElapsedTime(start);
                if (page.Count == 0)
                {
                    break;
                }
                await pages.WriteAsync(page, ct);
                after = page[^1].OperationId;
            }
            pages.Complete();
        }
        catch (Exception e)
        {
            pages.Complete(e);
            throw;
        }
    }

    private async Task CompareAllAsync(BacktestRun run, TruthPolicy candidate, ChannelReader<List<OperationStream>> pages,
        ChannelWriter<(List<OperationBacktest>, string)> compared, CancellationToken ct)
    {
        try
        {
            await foreach (var page in pages.ReadAllAsync(ct))
            {
                var start = Stopwatch.GetTimestamp();
                var results = page.AsParallel().WithDegreeOfParallelism(options.Parallelism).WithCancellation(ct)
                    .Select(stream => Compare(stream, candidate, run.AsOf)).ToList();
                _comparing += Stopwatch.GetElapsedTime(start);
                await compared.WriteAsync((results, page[^1].OperationId), ct);
            }
            compared.Complete();
        }
        catch (Exception e)
        {
            // PLINQ gathers what its threads threw: pass on the failure that says which operation.
            compared.Complete(e is AggregateException all ? all.Flatten().InnerExceptions.OfType<BacktestFailure>().FirstOrDefault() ?? all.InnerExceptions[0] : e);
            throw;
        }
    }

    private static OperationBacktest Compare(OperationStream stream, TruthPolicy candidate, DateTimeOffset asOf)
    {
        try
        {
            var history = new List<OperationEvent>(stream.Events.Count);
            foreach (var e in stream.Events)
            {
                history.Add(EventCodec.Deserialize(e.Type, e.Utf8Data));
            }
            return BacktestComparison.Compare(stream.OperationId, history, candidate, asOf);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new BacktestFailure($"Operation '{stream.OperationId}' could not be compared: {e.Message}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Backtest {Id} of {OperationType} started ({Done} of {Total} operations compared before)")]
    private static partial void LogStarted(ILogger logger, string id, string operationType, long done, long total);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Backtest {Id} done: {Operations} operations in {Seconds:0.0} s ({Rate:0} operations/s); busy reading {Reading:0.0} s, comparing {Comparing:0.0} s, committing {Committing:0.0} s")]
    private static partial void LogFinished(ILogger logger, string id, long operations, double seconds, double rate, double reading, double comparing, double committing);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backtest {Id} was cancelled after {Done} operations")]
    private static partial void LogCancelled(ILogger logger, string id, long done);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backtest {Id} failed")]
    private static partial void LogFailed(ILogger logger, string id, Exception exception);
}

/// <summary>A backtest that cannot go on whatever is tried again: an operation its history cannot be compared for.</summary>
public sealed class BacktestFailure(string message, Exception inner) : Exception(message, inner);
