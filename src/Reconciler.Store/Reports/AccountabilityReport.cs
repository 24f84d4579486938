using Reconciler.Store.Replicas;
using System.ComponentModel;
using Npgsql;
using NpgsqlTypes;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Reports;

/// <summary>Median and 95th percentile in seconds (linear interpolation, as PostgreSQL's <c>percentile_cont</c>).</summary>
public sealed record Percentiles(double P50, double P95);

/// <summary>A team's open conflicts by whole days open: 0–1, 2–7, 8–30, over 30.</summary>
public sealed record OpenAgeing(long Days0To1, long Days2To7, long Days8To30, long Over30Days);

/// <param name="Team">The assignee now; null (left out) for conflicts nobody answers for (a policy without <c>accountability</c>).</param>
public sealed record TeamAccountability(
    [property: Description("The assignee; left out for the conflicts nobody answers for")] string? Team,
    long Conflicts,
    long Open,
    [property: Description("Open and past their dueBy")] long Overdue,
    [property: Description("Open and taken on by a person")] long Acknowledged,
    long Resolved,
    [property: Description("From opening to the acknowledgement, of the acknowledged ones; left out when none is")] Percentiles? TimeToAcknowledgeSeconds,
    [property: Description("From opening to resolution, of the resolved ones; left out when none is")] Percentiles? TimeToResolveSeconds,
    OpenAgeing Ageing);

[Description("Per team, the conflicts opened in [from, to) that it answers for (absorbed ones left out), at the server's time 'at'.")]
public sealed record AccountabilityReportView(DateTimeOffset? From, DateTimeOffset? To, DateTimeOffset At, IReadOnlyList<TeamAccountability> Teams);

/// <summary>
/// <c>GET /v1/reports/accountability</c>: per assignee, over the conflicts opened in [from, to) (by their latest opening), how
/// many are open, overdue and acknowledged, how long acknowledging and resolving took, and how old the open ones are.
/// Absorbed conflicts (info, opened and closed at once) are nobody's work and are left out. Times count from the latest
/// opening; the acknowledgement is the current one (a handover clears it).
/// </summary>
public sealed class AccountabilityReport(ReadSource reads)
{
    private const string Sql = """
        WITH c AS (
            SELECT record->>'assignee' AS team, status, opened_at, record->>'overdueAt' IS NOT NULL AS overdue,
                   extract(epoch FROM (record->>'acknowledgedAt')::timestamptz - opened_at)::float8 AS to_acknowledge,
                   extract(epoch FROM resolved_at - opened_at)::float8 AS to_resolve
            FROM conflicts
            WHERE resolution IS DISTINCT FROM 'absorbed'
              AND ($1::timestamptz IS NULL OR opened_at >= $1) AND ($2::timestamptz IS NULL OR opened_at < $2)
        )
        SELECT team, count(*),
               count(*) FILTER (WHERE status = 'open'),
               count(*) FILTER (WHERE status = 'open' AND overdue),
               count(*) FILTER (WHERE status = 'open' AND to_acknowledge IS NOT NULL),
               count(*) FILTER (WHERE status = 'resolved'),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY to_acknowledge),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY to_acknowledge),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY to_resolve) FILTER (WHERE status = 'resolved'),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY to_resolve) FILTER (WHERE status = 'resolved'),
               count(*) FILTER (WHERE status = 'open' AND opened_at > $3 - interval '2 days'),
               count(*) FILTER (WHERE status = 'open' AND opened_at <= $3 - interval '2 days' AND opened_at > $3 - interval '8 days'),
               count(*) FILTER (WHERE status = 'open' AND opened_at <= $3 - interval '8 days' AND opened_at > $3 - interval '31 days'),
               count(*) FILTER (WHERE status = 'open' AND opened_at <= $3 - interval '31 days')
        FROM c
        GROUP BY team
        ORDER BY team NULLS LAST
        """;

    public async Task<AccountabilityReportView> ReadAsync(
        DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = reads.DataSource.CreateCommand(Sql);
        command.Parameters.Add(Time(from));
        command.Parameters.Add(Time(to));
        command.Parameters.Add(Time(at));
        var teams = new List<TeamAccountability>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            teams.Add(new TeamAccountability(
                reader.IsDBNull(0) ? null : reader.GetString(0),
                reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5),
                Of(reader, 6), Of(reader, 8),
                new OpenAgeing(reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13))));
        }
        return new AccountabilityReportView(from, to, at, teams);
    }

    private static Percentiles? Of(NpgsqlDataReader reader, int p50) =>
        reader.IsDBNull(p50) ? null : new Percentiles(reader.GetDouble(p50), reader.GetDouble(p50 + 1));
}
