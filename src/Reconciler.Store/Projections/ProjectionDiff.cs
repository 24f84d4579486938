using Npgsql;

namespace Reconciler.Store.Projections;

/// <summary>A live projection row that is not what the events fold to: which row, and which columns differ.</summary>
public sealed record ProjectionDifference(string Table, string Id, string Problem, IReadOnlyList<string> Columns);

/// <summary>
/// Compares the rebuilt rows with the live projections by a hash of every row's written columns (those the live
/// writer upserts, all a function of the events alone), then names the columns of each differing row; and the
/// writers' snapshots with the folded ones (a snapshot of another format, or none yet, is not a difference).
/// </summary>
public static class ProjectionDiff
{
    private static readonly string[] OperationColumns = OperationsProjection.Table.Columns.Select(c => c.Name).Where(n => n != "operation_id").ToArray();

    private static readonly string[] ConflictColumns = ConflictsProjection.Table.Columns.Select(c => c.Name).Where(n => n != "conflict_id").ToArray();

    private const string SnapshotsSql = """
        SELECT r.operation_id, 'the writer''s snapshot differs from the fold', ARRAY['snapshot']
        FROM pg_temp.rebuilt_operations r JOIN streams s ON s.stream_id = r.operation_id
        WHERE s.snapshot IS NOT NULL AND get_byte(s.snapshot, 0) = get_byte(r.snapshot, 0) AND s.snapshot <> r.snapshot
        ORDER BY 1
        """;

    private static string CompareSql(string live, string rebuilt, string key, string[] columns) => $"""
        SELECT coalesce(r.{key}, l.{key}),
               CASE WHEN l.{key} IS NULL THEN 'missing from the live projection'
                    WHEN r.{key} IS NULL THEN 'not derived from any event'
                    ELSE 'differs' END,
               array_remove(ARRAY[{string.Join(", ", columns.Select(c => $"CASE WHEN r.{c} IS DISTINCT FROM l.{c} THEN '{c}' END"))}], NULL)
        FROM {rebuilt} r FULL JOIN {live} l ON l.{key} = r.{key}
        WHERE r.{key} IS NULL OR l.{key} IS NULL
           OR md5(row({string.Join(", ", columns.Select(c => "r." + c))})::text)
              <> md5(row({string.Join(", ", columns.Select(c => "l." + c))})::text)
        ORDER BY 1
        """;

    private static readonly string OperationsSql = CompareSql("operations", "pg_temp.rebuilt_operations", "operation_id", OperationColumns);
    private static readonly string ConflictsSql = CompareSql("conflicts", "pg_temp.rebuilt_conflicts", "conflict_id", ConflictColumns);

    public static async Task<IReadOnlyList<ProjectionDifference>> CompareAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var differences = new List<ProjectionDifference>();
        foreach (var (table, sql) in new[] { ("operations", OperationsSql), ("conflicts", ConflictsSql), ("streams", SnapshotsSql) })
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                differences.Add(new ProjectionDifference(table, reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2)));
            }
        }
        return differences;
    }
}
