using Reconciler.Store.Replicas;
using Npgsql;
using Reconciler.Store.Sources;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Reports;

public sealed record AgreementTimes(double P50, double P95, double Max);

/// <param name="TimeToAgreementSeconds">Of the resolved conflicts; null (left out) when none is resolved.</param>
public sealed record DisagreementGroup(IReadOnlyList<string> Sources, string Kind, long Count, long Open, long Resolved, AgreementTimes? TimeToAgreementSeconds);

public sealed record DisagreementReport(
    DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<DisagreementGroup> Groups, IReadOnlyList<SourceSilences> SilentPeriods);

public sealed record SourceSilences(string Source, IReadOnlyList<Period> Periods);

public sealed record Period(DateTimeOffset From, DateTimeOffset? To);

public sealed record DailyCount(DateOnly Day, string Kind, long Count);

/// <summary>
/// The disagreement report (<c>GET /v1/reports/disagreements</c> and the console's reports page): which pairs of systems
/// disagree most, and how long until they agree. A conflict among three sources counts for each of its pairs; one with
/// fewer than two sources is its own group (<c>sources</c> of length 0 or 1). Time to agreement: resolved − opened, of
/// resolved ones. <c>SilentPeriods</c>: per source, the periods it said nothing for longer than its <c>silentAfter</c>.
/// </summary>
public sealed class ReportQuery(ReadSource reads, SourceMonitor sources)
{
    private const string DisagreementsSql = """
        WITH c AS (
            SELECT kind, status, sources, extract(epoch FROM resolved_at - opened_at)::float8 AS seconds
            FROM conflicts
            WHERE ($1::timestamptz IS NULL OR opened_at >= $1) AND ($2::timestamptz IS NULL OR opened_at < $2)
        ), grouped AS (
            SELECT ARRAY[a, b] AS pair, c.kind, c.status, c.seconds
            FROM c, unnest(c.sources) AS a, unnest(c.sources) AS b
            WHERE a < b
            UNION ALL
            SELECT c.sources, c.kind, c.status, c.seconds FROM c WHERE cardinality(c.sources) < 2
        )
        SELECT pair, kind, count(*), count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'resolved'),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'resolved'),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'resolved'),
               max(seconds) FILTER (WHERE status = 'resolved')
        FROM grouped
        GROUP BY pair, kind
        ORDER BY count(*) DESC, pair, kind
        """;

    /// <summary>The disagreement report over conflicts opened in [from, to) (both optional).</summary>
    public async Task<DisagreementReport> ReadAsync(DateTimeOffset? fromTime, DateTimeOffset? toTime, CancellationToken ct)
    {
        await using var connection = await reads.DataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // The planner guesses ten rows per unnest, so the report looks costly enough to compile with JIT; over
        // 100,000 conflicts the compiling took longer than the query itself (see docs/console.md).
        await using (var noJit = new NpgsqlCommand("SET LOCAL jit = off", connection, transaction))
        {
            await noJit.ExecuteNonQueryAsync(ct);
        }
        await using var command = new NpgsqlCommand(DisagreementsSql, connection, transaction);
        command.Parameters.Add(Time(fromTime));
        command.Parameters.Add(Time(toTime));
        var groups = new List<DisagreementGroup>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                groups.Add(new DisagreementGroup(
                    reader.GetFieldValue<string[]>(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                    reader.IsDBNull(7) ? null : new AgreementTimes(reader.GetDouble(5), reader.GetDouble(6), reader.GetDouble(7))));
            }
        }
        var silences = (await sources.SilencesAsync(fromTime, toTime, ct))
            .GroupBy(p => p.Source, StringComparer.Ordinal)
            .Select(g => new SourceSilences(g.Key, [.. g.Select(p => new Period(p.From, p.To))]))
            .ToList();
        return new DisagreementReport(fromTime, toTime, groups, silences);
    }

    /// <summary>Conflicts opened per UTC day and kind in [from, to) (by <c>openedAt</c>, as the report counts them), oldest day first.</summary>
    public async Task<IReadOnlyList<DailyCount>> OpenedPerDayAsync(DateTimeOffset? fromTime, DateTimeOffset? toTime, CancellationToken ct)
    {
        const string sql = """
            SELECT (opened_at AT TIME ZONE 'UTC')::date, kind, count(*)
            FROM conflicts
            WHERE ($1::timestamptz IS NULL OR opened_at >= $1) AND ($2::timestamptz IS NULL OR opened_at < $2)
            GROUP BY 1, 2
            ORDER BY 1, 2
            """;
        await using var command = reads.DataSource.CreateCommand(sql);
        command.Parameters.Add(Time(fromTime));
        command.Parameters.Add(Time(toTime));
        var days = new List<DailyCount>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            days.Add(new DailyCount(reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetInt64(2)));
        }
        return days;
    }
}
