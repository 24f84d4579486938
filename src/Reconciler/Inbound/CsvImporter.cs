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

namespace Reconciler.Inbound;

/// <summary>A CSV file refused before anything was stored (no header, a header naming a column twice, …).</summary>
public sealed record CsvRefusal(string Detail);

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
    public const int MaxRecordChars = 1 << 20;
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reads the header (or takes the mapping's columns) before anything is stored: the open file, or null and the
    /// refusal when it cannot be read. Malformed records (a stray or unterminated quote) are skipped by the reader and
    /// reported through <see cref="CsvFile.Malformed"/> with their row numbers.
    /// </summary>
    public static async Task<(CsvFile? File, CsvRefusal? Refusal)> OpenAsync(Stream body, CsvMapping csv, CancellationToken ct)
    {
        var file = new CsvFile();
        var reader = CsvReader.Create(body, new CsvReaderOptions
        {
            HasHeader = false,
            Separator = csv.Delimiter,
            Mode = CsvMode.Rfc4180,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MaxRecordSize = MaxRecordChars,
            SkipEmptyLines = true,
            TrimWhitespace = false,
            OnMalformedRecord = file.Skipped,
        }, leaveOpen: true);
        file.Reader = reader;
        if (!csv.Header)
        {
            file.Columns = csv.Columns;
            return (file, null);
        }
        string[]? header = null;
        try
        {
            if (await reader.ReadAsync(ct) && file.Malformed.Count == 0)
            {
                header = [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetString)];
            }
        }
        catch (CsvFormatException e)
        {
            await reader.DisposeAsync();
            return (null, new CsvRefusal($"The header row cannot be read: {e.Message}"));
        }
        var problem = header switch
        {
            _ when file.Malformed.Count > 0 => $"The header row is malformed ({file.Malformed[0].Reason}).",
            null => "The file is empty: the first row must name the columns (or set csv.header to false and name them in csv.columns).",
            _ when header.Any(string.IsNullOrWhiteSpace) => $"The header row has an empty column name (column {Array.FindIndex(header, string.IsNullOrWhiteSpace) + 1}); name every column.",
            _ when header.Any(h => h.Any(char.IsControl) || h.Contains('\uFFFD', StringComparison.Ordinal)) => "The header row holds control characters or bytes that are not UTF-8.",
            _ when header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice => $"The header row names the column '{twice.Key}' twice; the rules could not tell them apart.",
            _ => null,
        };
        if (problem is not null)
        {
            await reader.DisposeAsync();
            return (null, new CsvRefusal($"{problem} (The delimiter is '{csv.Delimiter}'.)"));
        }
        file.Columns = header!;
        return (file, null);
    }

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
                return $"The file cannot be read past row {reader.RowNumber + file.Malformed.Count}: {e.Message}. The rows before it were imported; fix the file and import it again (those rows come back as duplicates).";
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
        return null;
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

/// <summary>An open CSV upload: its reader, its columns, and the malformed records the reader skipped (row, reason), in order.</summary>
public sealed class CsvFile
{
    public CsvReader Reader { get; set; } = null!;
    public IReadOnlyList<string> Columns { get; set; } = [];
    public List<(long Row, string Reason)> Malformed { get; } = [];

    /// <summary>The reader numbers records without the skipped ones: each skipped record's row adds back those skipped before it.</summary>
    public void Skipped(CsvMalformedRecord record) =>
        Malformed.Add((record.RecordNumber + Malformed.Count, record.Reason switch
        {
            CsvMalformedReason.StrayQuote => "a quote inside an unquoted field: quote the whole field and double the quote",
            CsvMalformedReason.UnterminatedQuote => "a quoted field that never ends: the rest of the file was read into it",
            CsvMalformedReason.TextAfterClosingQuote => "text after a closing quote",
            _ => record.Reason.ToString(),
        }));
}
