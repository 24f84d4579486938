using Npgsql;

namespace Reconciler.Store.Projections;

/// <summary>Open conflicts of one kind and severity.</summary>
public sealed record OpenConflictCount(string Kind, string Severity, long Count);

/// <summary>
/// What is waiting, read from the projections: open conflicts by kind and severity, and how long the oldest
/// due deadline has waited to be passed (null when none is due).
/// </summary>
public sealed record Backlog(IReadOnlyList<OpenConflictCount> OpenConflicts, TimeSpan? OldestDueDeadlineWait)
{
    public static async Task<Backlog> ReadAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        const string Sql = """
            SELECT kind, severity, count(*) FROM conflicts WHERE status = 'open' GROUP BY kind, severity ORDER BY kind, severity;
            SELECT now() - min(next_deadline) FROM operations WHERE next_deadline <= now();
            """;
        await using var command = dataSource.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var open = new List<OpenConflictCount>();
        while (await reader.ReadAsync(ct))
        {
            open.Add(new OpenConflictCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var wait = reader.IsDBNull(0) ? (TimeSpan?)null : reader.GetFieldValue<TimeSpan>(0);
        return new Backlog(open, wait);
    }
}
