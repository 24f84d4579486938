using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Console;

/// <summary>
/// The console over 100,000 conflicts: the queue (filtered or not, and 20 pages down) shows one page of matching
/// records, a conflict and the reports answer, and the CSV of a filtered set has every matching row. How long they take
/// is a figure for a benchmark, not a test (a busy machine would make a timed test fail). The rows are copies of a
/// real record, spread over 40 days.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class ConsoleScaleTests(ConsoleScaleTests.Fixture scale) : IClassFixture<ConsoleScaleTests.Fixture>
{
    public const int Conflicts = 100_000;

    public sealed class Fixture : IAsyncLifetime
    {
        private TestDatabase? _database;

        public ApiServer Server { get; private set; } = null!;
        public TestDatabase Database => _database!;
        public HttpClient Auditor { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var postgres = new PostgresFixture();
            await postgres.InitializeAsync();
            _database = await postgres.CreateDatabaseAsync("console_scale");
            Server = await ApiServer.StartAsync(_database, runDeadlineWorker: false);
            await Server.PutPolicyAsync(TestPolicies.Order());
            var gateway = await Server.ClientWithRoleAsync("source", source: "payment-gateway");
            await ApiCalls.SendOneAsync(gateway, "scale-0", "pgw-scale-0", "payment", "captured");
            await ApiCalls.SendOneAsync(gateway, "scale-0", "pgw-scale-0", "payment", "captured");
            await MultiplyTheConflictAsync(_database.DataSource);
            var key = await Server.Admin.PostAsJsonAsync("/v1/keys", new { role = "auditor", name = "ann" });
            var secret = (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
            Auditor = await ConsoleHttp.SignedInAsync(Server.BaseAddress, secret);
        }

        /// <summary>Copies of the one real record with other ids, kinds, sources, statuses and opening times.</summary>
        private static async Task MultiplyTheConflictAsync(NpgsqlDataSource dataSource)
        {
            await using var insert = dataSource.CreateCommand($"""
                INSERT INTO conflicts (conflict_id, operation_id, operation_type, kind, severity, facet, sources, status,
                                       opened_at, resolved_at, resolution, resolved_by, reason, occurrences, evidence_versions, record)
                SELECT 'cf-scale-' || i, 'scale-op-' || (i / 3), c.operation_type, k.kind, k.severity, c.facet,
                       CASE WHEN i % 2 = 0 THEN ARRAY['payment-gateway', 'erp'] ELSE ARRAY['warehouse', 'crm'] END,
                       CASE WHEN i % 4 = 0 THEN 'resolved' ELSE 'open' END,
                       now() - make_interval(secs => i * 34.56),
                       CASE WHEN i % 4 = 0 THEN now() - make_interval(secs => i * 34.56) + make_interval(secs => 60 + i % 900) END,
                       CASE WHEN i % 4 = 0 THEN 'dismissed' END, CASE WHEN i % 4 = 0 THEN 'rob' END, CASE WHEN i % 4 = 0 THEN 'load' END,
                       1, c.evidence_versions,
                       c.record || jsonb_build_object('conflictId', 'cf-scale-' || i, 'operationId', 'scale-op-' || (i / 3),
                                                      'kind', k.kind, 'severity', k.severity,
                                                      'status', CASE WHEN i % 4 = 0 THEN 'resolved' ELSE 'open' END,
                                                      'openedAt', to_char((now() - make_interval(secs => i * 34.56)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                FROM (SELECT * FROM conflicts WHERE operation_id = 'scale-0' LIMIT 1) c, generate_series(1, {Conflicts - 1}) AS i,
                     LATERAL (SELECT (ARRAY['missing', 'disagreement', 'stale', 'duplicate'])[1 + i % 4] AS kind,
                                     (ARRAY['high', 'medium', 'info'])[1 + i % 3] AS severity) k
                """);
            Assert.Equal(Conflicts - 1, await insert.ExecuteNonQueryAsync());
            await using var analyze = dataSource.CreateCommand("ANALYZE conflicts");
            await analyze.ExecuteNonQueryAsync();
        }

        public async Task DisposeAsync()
        {
            Auditor?.Dispose();
            if (Server is not null)
            {
                await Server.DisposeAsync();
            }
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("/console")]
    [InlineData("/console?kind=missing")]
    [InlineData("/console?status=open&source=warehouse&severity=high")]
    [InlineData("/console?operationId=scale-op-20000")]
    public async Task Given_100000_conflicts_when_the_queue_is_asked_then_it_answers_one_page_of_matching_records(string path)
    {
        var html = await PageAsync(path);
        var shown = ConflictLinks(html);
        Assert.InRange(shown.Count, 1, Reconciler.AuditConsole.Pages.Queue.PageSize);
    }

    [Theory]
    [InlineData("/console/reports")]
    [InlineData("/console/conflicts/cf-scale-50000")]
    public async Task Given_100000_conflicts_when_a_report_or_a_record_is_asked_then_it_answers(string path)
    {
        var html = await PageAsync(path);
        Assert.Contains("<main", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_100000_conflicts_when_the_queue_is_walked_20_pages_down_then_each_page_holds_other_records()
    {
        var path = "/console?kind=disagreement";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 1; page <= 21; page++)
        {
            var html = await PageAsync(path);
            var shown = ConflictLinks(html);
            Assert.InRange(shown.Count, 1, Reconciler.AuditConsole.Pages.Queue.PageSize);
            Assert.All(shown, id => Assert.True(seen.Add(id), $"{id} shown again on page {page}"));
            path = WebUtility.HtmlDecode(NextLink().Match(html).Groups[1].Value);
            Assert.StartsWith("/console?", path, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Given_100000_conflicts_when_the_csv_of_a_filtered_set_is_asked_then_it_has_every_matching_row()
    {
        var csv = await scale.Auditor.GetStringAsync("/console/conflicts.csv?kind=duplicate&status=open");
        using var reader = CsvHelper.CsvReader.FromText(csv);
        var rows = 0;
        while (reader.Read())
        {
            Assert.Equal("duplicate", reader.GetString("kind"));
            rows++;
        }
        // i % 4 == 3 is 'duplicate' and never resolved: a quarter of the copies, and the real record if it is one.
        await using var count = scale.Database.DataSource.CreateCommand("SELECT count(*) FROM conflicts WHERE kind = 'duplicate' AND status = 'open'");
        Assert.Equal(Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture), rows);
        Assert.True(rows >= 25_000, $"{rows} rows");
    }

    private async Task<string> PageAsync(string path)
    {
        var response = await scale.Auditor.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        return html;
    }

    private static List<string> ConflictLinks(string html) =>
        [.. ConflictLink().Matches(html).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    [GeneratedRegex("href=\"/console/conflicts/([^\"?/]+)\"")]
    private static partial Regex ConflictLink();

    [GeneratedRegex("href=\"([^\"]+)\" rel=\"next\"")]
    private static partial Regex NextLink();
}
