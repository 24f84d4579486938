using CsvHelper;
using Reconciler.Core.Inbound;

namespace Reconciler.Inbound;

/// <summary>A CSV file refused before anything was stored (no header, a header naming a column twice, …).</summary>
public sealed record CsvRefusal(string Detail);

/// <summary>An open CSV upload: its reader, its columns, and the malformed records the reader skipped (row, reason), in order.</summary>
public sealed class CsvFile
{
    /// <summary>The longest record read, in characters: a larger one stops the import (a quote left open swallows the file).</summary>
    public const int MaxRecordChars = 1 << 20;

    /// <summary>
    /// Reads the header (or takes the mapping's columns) before anything is stored: the open file, or null and the
    /// refusal when it cannot be read. Malformed records (a stray or unterminated quote) are skipped by the reader and
    /// reported through <see cref="Malformed"/> with their row numbers.
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
