using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Reconciler.Testing;
using Reconciler.Store;

namespace Reconciler.Bench;

/// <summary>
/// `reconciler-bench import`: a CSV statement of N rows (one signal each) through <c>POST /v1/sources/erp/imports</c> of
/// the real `reconciler serve`, beside the batched ingest rate measured in the same run on the same PostgreSQL (4 clients,
/// batches of 1,000, as `ingest` (a)). Each phase has its own server process, so that the import's peak RSS is its own.
/// Target (issue 22): the import at ≥ 0.5× the batched rate, with memory bounded (the file is streamed, never held).
/// </summary>
public static class ImportBenchmark
{
    private const string Mapping = """
        { "csv": { "rules": [ { "operationId": "row.reference", "operationType": "'order'", "signalId": "row.transaction",
                                "facet": "'ledger'", "state": "row.state", "sourceSequence": "row.sequence", "effectKey": "join('-', ['ledger', row.reference])",
                                "attributes": { "amount": "row.amount", "currency": "row.currency" } } ] } }
        """;

    public static async Task<int> RunAsync(int rows, int operations, int baselineSignals, TextWriter output, CancellationToken ct)
    {
        output.WriteLine($"Import benchmark: a CSV of {rows:N0} rows over {operations:N0} operations, against batched ingest of {baselineSignals:N0} signals (batches of 1,000, {IngestBenchmark.Clients} clients) in the same run.");
        await using var postgres = await EmbeddedPostgres.StartAsync(EmbeddedPostgresOptions.Temporary("reconciler-bench") with { Durable = true }, ct);
        var database = await postgres.CreateDatabaseAsync("bench_import", ct);
        var adminKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var environment = new Dictionary<string, string> { ["RECONCILER_BOOTSTRAP_ADMIN_KEY"] = adminKey };

        IngestBenchmark.Run batched;
        long batchedRss;
        await using (var server = await ServerProcess.StartAsync(["--connection", database], environment, TimeSpan.FromSeconds(60)))
        {
            var keys = await IngestBenchmark.SetUpAsync(server.Address, adminKey, ct);
            batched = await IngestBenchmark.SendAsync(_ => server.Address, keys, IngestBenchmark.Workload(baselineSignals, Math.Max(1, baselineSignals / 10), "a"), 1_000, "batched", null, output, ct);
            batchedRss = server.PeakRssBytes();
            await server.TerminateAsync(TimeSpan.FromSeconds(20));
        }

        double seconds;
        long importRss;
        JsonElement summary;
        await using (var server = await ServerProcess.StartAsync(["--connection", database], environment, TimeSpan.FromSeconds(60)))
        {
            using var admin = new HttpClient { BaseAddress = server.Address, Timeout = Timeout.InfiniteTimeSpan };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            (await admin.PutAsync("/v1/sources/erp/inbound", new StringContent(Mapping, Encoding.UTF8, "application/json"), ct)).EnsureSuccessStatusCode();
            var file = new StatementContent(rows, operations);
            output.WriteLine($"Importing {rows:N0} rows ({file.Length / (1024.0 * 1024):0} MB of CSV, streamed)…");
            var started = Stopwatch.GetTimestamp();
            using var response = await admin.PostAsync("/v1/sources/erp/imports", file, ct);
            seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"import: {(int)response.StatusCode} {text}");
            }
            summary = JsonDocument.Parse(text).RootElement.Clone();
            importRss = server.PeakRssBytes();
            await server.TerminateAsync(TimeSpan.FromSeconds(20));
        }

        var batchedRate = batched.Signals / batched.Seconds;
        var importRate = rows / seconds;
        var ratio = importRate / batchedRate;
        output.WriteLine();
        output.WriteLine("| case | rows or signals | seconds | per second | server peak RSS |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| batched ingest (baseline, {IngestBenchmark.Clients} clients × 1,000 per request) | {batched.Signals:N0} | {batched.Seconds:0.0} | {batchedRate:N0} | {batchedRss / 1048576.0:0} MB |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| CSV import (one file, streamed) | {rows:N0} | {seconds:0.0} | {importRate:N0} | {importRss / 1048576.0:0} MB |"));
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Import / batched: {ratio:0.00}× (target ≥ 0.5×: {(ratio >= 0.5 ? "met" : "MISSED")})"));
        output.WriteLine($"Summary: accepted {summary.GetProperty("accepted").GetInt64():N0}, recorded {summary.GetProperty("recorded").GetInt64():N0}, duplicates {summary.GetProperty("duplicates").GetInt64():N0}, rejected {summary.GetProperty("rejected").GetInt64():N0}");
        return ratio >= 0.5 ? 0 : 1;
    }

    /// <summary>The statement, written as it is sent (never held whole): the erp's ledger rows of the ingest workload's shape.</summary>
    private sealed class StatementContent : HttpContent
    {
        private readonly int _rows;
        private readonly int _operations;

        public StatementContent(int rows, int operations)
        {
            (_rows, _operations) = (rows, operations);
            Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
            Length = Encoding.UTF8.GetByteCount(Header) + Enumerable.Range(0, rows).Sum(i => (long)Encoding.UTF8.GetByteCount(Row(i)));
            Headers.ContentLength = Length;
        }

        public long Length { get; }

        private const string Header = "transaction,reference,state,sequence,amount,currency\n";

        private string Row(int i)
        {
            var operation = i % _operations;
            var round = i / _operations;
            var state = (round % 3) == 2 ? "reversed" : "recorded";
            return string.Create(CultureInfo.InvariantCulture, $"tx-{i},i-order-{operation},{state},{round},129.90,EUR\n");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
            await writer.WriteAsync(Header);
            for (var i = 0; i < _rows; i++)
            {
                await writer.WriteAsync(Row(i));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = Length;
            return true;
        }
    }
}
