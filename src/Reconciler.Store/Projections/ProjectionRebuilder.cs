using System.Diagnostics;
using System.Threading.Channels;
using Npgsql;

namespace Reconciler.Store.Projections;

/// <summary>How far a rebuild got: events and streams folded so far, out of the events the streams held at the start.</summary>
public readonly record struct RebuildProgress(long EventsFolded, long TotalEvents, long StreamsFolded, TimeSpan Elapsed)
{
    public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? EventsFolded / Elapsed.TotalSeconds : 0;
}

/// <summary>What a rebuild did: streams and events folded (including the catch-up), and for --verify the differences found.</summary>
public sealed record RebuildResult(long Streams, long Events, int CaughtUpStreams, TimeSpan Elapsed, TimeSpan Locked, bool Swapped, IReadOnlyList<ProjectionDifference> Differences)
{
    /// <summary>Time each stage of the first phase was busy (they overlap): reading pages, folding them, copying the rows.</summary>
    public (TimeSpan Reading, TimeSpan Folding, TimeSpan Copying) Stages { get; init; }

    public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? Events / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Recomputes the <c>operations</c> and <c>conflicts</c> projections from the events alone: every stream is
/// read in stream-id order by keyset pages (one page in memory per pipeline stage), folded with
/// <c>OperationDecider.Fold</c>, and written by binary COPY into the session's scratch tables.
///
/// Concurrent ingest: phase one reads without any lock, so ingest goes on. Phase two is one short
/// transaction that locks both projections (<c>LOCK TABLE operations, conflicts IN EXCLUSIVE MODE</c> to
/// rebuild; <c>SHARE MODE</c> to verify). Every writer of a stream upserts its <c>operations</c> row in the
/// transaction that appends to it, so once the lock is granted no writer has an uncommitted projection write,
/// and any writer still to upsert waits for us; the streams whose committed version differs from the folded
/// one (written, or created, since their page was read) are then re-read and re-folded under the lock, and
/// the scratch rows replace the live ones (DELETE + INSERT, so every index, constraint and identity of the
/// migrations stays). EXCLUSIVE still admits readers: the API keeps serving the old rows until the commit.
/// A writer that read its snapshot before the commit upserts after it, from a state whose version it locked.
/// One run at a time per instance (it keeps the stage timings of the current run).
/// </summary>
public sealed class ProjectionRebuilder(NpgsqlDataSource dataSource)
{
    /// <summary>Streams per page.</summary>
    public int PageSize { get; init; } = 1_000;

    private TimeSpan _reading, _folding, _copying;

    public async Task<RebuildResult> RunAsync(bool verify, Action<RebuildProgress>? progress, CancellationToken ct)
    {
        (_reading, _folding, _copying) = (TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        var watch = Stopwatch.StartNew();
        await using var writer = await dataSource.OpenConnectionAsync(ct);
        await PlannerStatistics.RefreshIfStaleAsync(writer, ct);
        await ScratchTables.CreateAsync(writer, ct);
        long total;
        await using (var count = new NpgsqlCommand("SELECT coalesce(sum(version), 0)::bigint FROM streams WHERE operation_type <> '$system'", writer))
        {
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }

        long events = 0, streams = 0;
        // Three stages, each holding at most a couple of pages: read (one connection), fold (every core), copy (the session's connection).
        var pages = Channel.CreateBounded<List<StreamEvents>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var folded = Channel.CreateBounded<(List<FoldedOperation> Rows, long Events)>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = ReadAllAsync(pages.Writer, stop.Token);
        var folding = FoldAllAsync(pages.Reader, folded.Writer, stop.Token);
        try
        {
            await foreach (var (rows, count) in folded.Reader.ReadAllAsync(stop.Token))
            {
                var copyStart = Stopwatch.GetTimestamp();
                await ScratchTables.WriteAsync(writer, rows, stop.Token);
                _copying += Stopwatch.GetElapsedTime(copyStart);
                events += count;
                streams += rows.Count;
                progress?.Invoke(new RebuildProgress(events, Math.Max(total, events), streams, watch.Elapsed));
            }
            await reading;
            await folding;
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(reading, folding).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        await ScratchTables.IndexAsync(writer, ct);

        var lockWatch = Stopwatch.StartNew();
        await using var transaction = await writer.BeginTransactionAsync(ct);
        await ScratchTables.ExecuteAsync(writer, transaction,
            verify ? "LOCK TABLE operations, conflicts IN SHARE MODE" : "LOCK TABLE operations, conflicts IN EXCLUSIVE MODE", ct);
        var changed = await ScratchTables.ChangedStreamsAsync(writer, transaction, ct);
        if (changed.Count > 0)
        {
            await ScratchTables.ForgetAsync(writer, transaction, changed, ct);
            foreach (var chunk in changed.Chunk(PageSize))
            {
                var page = await StreamPages.ReadStreamsAsync(writer, transaction, chunk, ct);
                await ScratchTables.WriteAsync(writer, page.AsParallel().Select(FoldedOperation.From).ToList(), ct);
                events += page.Sum(s => (long)s.Events.Count);
            }
        }

        IReadOnlyList<ProjectionDifference> differences = [];
        if (verify)
        {
            differences = await ProjectionDiff.CompareAsync(writer, transaction, ct);
            await transaction.RollbackAsync(ct);
        }
        else
        {
            await ScratchTables.SwapAsync(writer, transaction, ct);
            await transaction.CommitAsync(ct);
            await ScratchTables.RefreshSnapshotsAsync(writer, ct);
        }
        progress?.Invoke(new RebuildProgress(events, Math.Max(total, events), streams, watch.Elapsed));
        return new RebuildResult(streams, events, changed.Count, watch.Elapsed, lockWatch.Elapsed, !verify, differences)
        {
            Stages = (_reading, _folding, _copying),
        };
    }

    private async Task FoldAllAsync(ChannelReader<List<StreamEvents>> pages, ChannelWriter<(List<FoldedOperation>, long)> folded, CancellationToken ct)
    {
        try
        {
            await foreach (var page in pages.ReadAllAsync(ct))
            {
                // Folding is pure: the streams of a page fold on every core.
                var start = Stopwatch.GetTimestamp();
                var rows = page.AsParallel().WithCancellation(ct).Select(FoldedOperation.From).ToList();
                _folding += Stopwatch.GetElapsedTime(start);
                await folded.WriteAsync((rows, page.Sum(s => (long)s.Events.Count)), ct);
            }
            folded.Complete();
        }
        catch (Exception e)
        {
            folded.Complete(e);
            throw;
        }
    }

    private async Task ReadAllAsync(ChannelWriter<List<StreamEvents>> pages, CancellationToken ct)
    {
        try
        {
            await using var reader = await dataSource.OpenConnectionAsync(ct);
            var after = "";
            while (true)
            {
                var start = Stopwatch.GetTimestamp();
                var page = await StreamPages.ReadPageAsync(reader, after, PageSize, ct);
                _reading += Stopwatch.GetElapsedTime(start);
                if (page.Count == 0)
                {
                    break;
                }
                await pages.WriteAsync(page, ct);
                after = page[^1].StreamId;
            }
            pages.Complete();
        }
        catch (Exception e)
        {
            pages.Complete(e);
            throw;
        }
    }
}
