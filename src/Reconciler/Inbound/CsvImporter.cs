using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using CsvHelper;
using Newtonsoft.Json.Linq;
using Reconciler.Api;
using Reconciler.Core.Inbound;
using Reconciler.Core.Judging;
using Reconciler.Ingest;
using Reconciler.Store.Inbound;
using Reconciler.Http;

namespace Reconciler.Inbound;

/// <summary>
/// Imports a statement or settlement file: streamed row by row (never held whole), each row mapped by the mapping's
/// <c>csv</c> rules over <c>{ "row": { column: value } }</c>, the signals ingested through <see cref="IngestPipeline"/> in
/// chunks of <see cref="ChunkSize"/>. Rows are spread over <see cref="Partitions"/> ingest loops by operation id, so the
/// rows of one operation are judged in file order while the loops write side by side. Memory is bounded by the chunks in
/// flight. Importing a file again ingests the same signal ids: they come back as duplicates.
/// </summary>
public sealed class CsvImporter(IngestPipeline ingest, InboundImportTable imports, TimeProvider clock)
{
    public const int ChunkSize = 1000;
    public const int Partitions = 4;
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    public async Task<ImportSummary> ImportAsync(string source, MappingVersion version, CsvFile file, string startedBy, CancellationToken ct)
    {
        var head = new ImportSummary(0, source, version.Version, ImportStatus.Running, clock.GetUtcNow(), null, 0, 0, 0, 0, 0, 0, 0, []);
        var id = await imports.StartAsync(source, version.Version, startedBy, Json(head), ct);
        head = head with { ImportId = id };
        var tally = new ImportTally();
        // One failing ingest loop stops the reader (which would otherwise wait on its full channel) and the other loops.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var partitions = Enumerable.Range(0, Partitions).Select(_ => Channel.CreateBounded<Chunk>(2)).ToArray();
        var writers = partitions.Select(p => Task.Run(() => IngestLoopAsync(source, p.Reader, tally, stop), CancellationToken.None)).ToArray();
        string? failure = null;
        try
        {
            failure = await ReadRowsAsync(version, file, id, tally, partitions, head, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client left, or an ingest loop failed: said below.
        }
        finally
        {
            foreach (var partition in partitions)
            {
                partition.Writer.TryComplete();
            }
            await file.Reader.DisposeAsync();
        }
        Exception? broken = null;
        try
        {
            await Task.WhenAll(writers);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Recorded in the summary first, then thrown on: the import's trail must say where it stopped.
        catch (Exception e)
#pragma warning restore CA1031
        {
            broken = writers.Select(w => w.Exception?.GetBaseException()).FirstOrDefault(x => x is not null and not OperationCanceledException) ?? e;
        }
        var status = ct.IsCancellationRequested ? ImportStatus.Interrupted : broken is not null || failure is not null ? ImportStatus.Failed : ImportStatus.Done;
        failure = status switch
        {
            ImportStatus.Interrupted => "The client went away before the import ended; the chunks committed until then were imported.",
            _ when broken is not null => $"Ingesting stopped: {broken.Message} The rows committed before were imported; import the file again (they come back as duplicates).",
            _ => failure,
        };
        var summary = tally.Summary(head with { Status = status, FinishedAt = clock.GetUtcNow(), Failure = failure });
        // Recorded even when the client left: the summary is the import's audit trail.
        await imports.UpdateAsync(id, status, Json(summary), finished: true, CancellationToken.None);
        if (broken is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(broken);
        }
        return summary;
    }

    /// <summary>Reads, maps and hands out every row; returns why the file broke off, or null at its end.</summary>
    private async Task<string?> ReadRowsAsync(MappingVersion version, CsvFile file, long importId,
        ImportTally tally, Channel<Chunk>[] partitions, ImportSummary head, CancellationToken ct)
    {
        var mapper = new PayloadMapper(version.Mapping.Csv!.Rules);
        var chunks = partitions.Select(_ => new Chunk()).ToArray();
        var names = file.Columns.ToArray();
        var reader = file.Reader;
        var lastProgress = clock.GetTimestamp();
        var malformedSeen = file.Malformed.Count;
        string? failure = null;
        while (true)
        {
            try
            {
                if (!await reader.ReadAsync(ct))
                {
                    break;
                }
            }
            catch (CsvFormatException e)
            {
                // The rows read before it are still ingested (below): what the summary says was imported, was.
                failure = $"The file cannot be read past row {reader.RowNumber + file.Malformed.Count}: {e.Message}. The rows before it were imported; fix the file and import it again (those rows come back as duplicates).";
                break;
            }
            for (; malformedSeen < file.Malformed.Count; malformedSeen++)
            {
                tally.Row();
                tally.Refused(file.Malformed[malformedSeen].Row, $"is malformed ({file.Malformed[malformedSeen].Reason}) and was skipped", unmatched: false);
            }
            // Rows as a spreadsheet numbers them: the reader's count, the skipped malformed records added back.
            var row = reader.RowNumber + file.Malformed.Count;
            tally.Row();
            if (reader.FieldCount != names.Length)
            {
                tally.Refused(row, $"has {reader.FieldCount} column(s); the header names {names.Length}", unmatched: false);
                continue;
            }
            var fields = new JObject();
            string? bad = null;
            for (var i = 0; i < names.Length; i++)
            {
                var value = reader.GetString(i);
                bad ??= value.Contains('\0', StringComparison.Ordinal) ? $"column '{names[i]}' holds a NUL character"
                    : value.Contains('\uFFFD', StringComparison.Ordinal) ? $"column '{names[i]}' holds bytes that are not UTF-8 (save the file as UTF-8)"
                    : null;
                fields.Add(names[i], value);
            }
            if (bad is not null)
            {
                tally.Refused(row, bad, unmatched: false);
                continue;
            }
            switch (mapper.Map(new JObject { ["row"] = fields }, new SignalOrigin(version.Version, null, importId, row)))
            {
                case NotMapped failed:
                    tally.Refused(row, failed.Reason, unmatched: failed.Field is null);
                    break;
                case MappedSignals mapped:
                    foreach (var signal in mapped.Signals)
                    {
                        var partition = (int)((uint)StringComparer.Ordinal.GetHashCode(signal.OperationId) % (uint)partitions.Length);
                        chunks[partition].Add(signal, row);
                        if (chunks[partition].Signals.Count >= ChunkSize)
                        {
                            await partitions[partition].Writer.WriteAsync(chunks[partition], ct);
                            chunks[partition] = new Chunk();
                        }
                    }
                    break;
            }
            if (clock.GetElapsedTime(lastProgress) > ProgressEvery)
            {
                lastProgress = clock.GetTimestamp();
                await imports.UpdateAsync(importId, ImportStatus.Running, Json(tally.Summary(head)), finished: false, ct);
            }
        }
        for (; malformedSeen < file.Malformed.Count; malformedSeen++)
        {
            tally.Row();
            tally.Refused(file.Malformed[malformedSeen].Row, $"is malformed ({file.Malformed[malformedSeen].Reason}) and was skipped", unmatched: false);
        }
        for (var i = 0; i < chunks.Length; i++)
        {
            if (chunks[i].Signals.Count > 0)
            {
                await partitions[i].Writer.WriteAsync(chunks[i], ct);
            }
        }
        return failure;
    }

    private async Task IngestLoopAsync(string source, ChannelReader<Chunk> chunks, ImportTally tally, CancellationTokenSource stop)
    {
        try
        {
            await foreach (var chunk in chunks.ReadAllAsync(stop.Token))
            {
                tally.Judged(await ingest.IngestAsync(source, chunk.Signals, stop.Token), chunk.Rows);
            }
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
    }

    /// <summary>The summary as the API answers it (GET returns these very bytes).</summary>
    private static readonly JsonSerializerOptions SummaryJson = new(ApiJson.Options) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Json(ImportSummary summary) => JsonSerializer.Serialize(summary, SummaryJson);

    /// <summary>Signals bound for one ingest call, with the row each came from.</summary>
    private sealed class Chunk
    {
        public List<Signal> Signals { get; } = new(ChunkSize);
        public List<long> Rows { get; } = new(ChunkSize);

        public void Add(Signal signal, long row)
        {
            Signals.Add(signal);
            Rows.Add(row);
        }
    }
}

