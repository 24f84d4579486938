using Npgsql;
using NpgsqlTypes;
using Reconciler.Core.Backtests;

namespace Reconciler.Store.Backtests;

/// <summary>
/// One difference of one operation: a what-if change (<c>What</c> outcome, finality, facet or conflict, with <c>Before</c> and
/// <c>After</c>), or a decision at risk (<c>What</c> decision, <c>Subject</c> its conflict, <c>Before</c> the resolution,
/// <c>After</c> the risk, <c>Decision</c> the decision as JSON).
/// </summary>
public sealed record BacktestChangeRow(string OperationId, int Seq, string What, string Subject, string? Before, string? After, string? Decision);

/// <summary>
/// The <c>backtest_changes</c> table: written by binary COPY in each page's transaction, read in pages by (operation, seq) and,
/// for the CSV export, streamed whole.
/// </summary>
public static class BacktestChanges
{
    public const string DecisionWhat = "decision";

    private const string SelectSql = """
        SELECT operation_id, seq, what, subject, before, after, decision::text FROM backtest_changes
        WHERE backtest_id = $1 AND ($2::text IS NULL OR what = $2) AND (operation_id, seq) > ($3, $4)
        ORDER BY operation_id, seq
        """;

    public static async Task CopyAsync(NpgsqlConnection connection, string backtestId, IReadOnlyList<OperationBacktest> page, CancellationToken ct)
    {
        if (!page.Any(o => o.Changed))
        {
            return;
        }
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY backtest_changes (backtest_id, operation_id, seq, what, subject, before, after, decision) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var operation in page)
        {
            var seq = 0;
            foreach (var change in operation.Changes)
            {
                await RowAsync(copy, backtestId, new BacktestChangeRow(operation.OperationId, seq++, change.What, change.Subject, change.Before, change.After, null), ct);
            }
            foreach (var decision in operation.Decisions)
            {
                await RowAsync(copy, backtestId, new BacktestChangeRow(operation.OperationId, seq++, DecisionWhat, decision.ConflictId, decision.Resolution,
                    decision.Risk, BacktestSummary.DecisionToJson(decision)), ct);
            }
        }
        await copy.CompleteAsync(ct);
    }

    /// <summary>Up to <paramref name="limit"/> changes after (<paramref name="afterOperation"/>, <paramref name="afterSeq"/>), of one kind when given.</summary>
    public static async Task<IReadOnlyList<BacktestChangeRow>> PageAsync(
        NpgsqlDataSource dataSource, string backtestId, string? what, string afterOperation, int afterSeq, int limit, CancellationToken ct)
    {
        await using var command = ListCommand(dataSource, backtestId, what, afterOperation, afterSeq);
        command.CommandText += " LIMIT $5";
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<BacktestChangeRow>(limit);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(Read(reader));
        }
        return rows;
    }

    /// <summary>Every change of the backtest (of one kind when given), in order: the CSV export reads it row by row.</summary>
    public static NpgsqlCommand ListCommand(NpgsqlDataSource dataSource, string backtestId, string? what, string afterOperation = "", int afterSeq = -1)
    {
        var command = dataSource.CreateCommand(SelectSql);
        command.Parameters.Add(new() { Value = backtestId });
        command.Parameters.Add(new() { Value = (object?)what ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = afterOperation });
        command.Parameters.Add(new() { Value = afterSeq });
        return command;
    }

    public static BacktestChangeRow Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5),
        r.IsDBNull(6) ? null : r.GetString(6));

    private static async Task RowAsync(NpgsqlBinaryImporter copy, string backtestId, BacktestChangeRow row, CancellationToken ct)
    {
        await copy.StartRowAsync(ct);
        await copy.WriteAsync(backtestId, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(row.OperationId, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(row.Seq, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync(row.What, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(row.Subject, NpgsqlDbType.Text, ct);
        await WriteOptionalAsync(copy, row.Before, NpgsqlDbType.Text, ct);
        await WriteOptionalAsync(copy, row.After, NpgsqlDbType.Text, ct);
        await WriteOptionalAsync(copy, row.Decision, NpgsqlDbType.Jsonb, ct);
    }

    private static async Task WriteOptionalAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is null)
        {
            await copy.WriteNullAsync(ct);
        }
        else
        {
            await copy.WriteAsync(value, type, ct);
        }
    }
}
