using System.Runtime.CompilerServices;
using Reconciler.Store.Replicas;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Backtests;

/// <summary>Reads the <c>backtest_changes</c> table in pages by (operation, seq) and, for the CSV export, streamed whole.</summary>
public sealed class BacktestChangeQuery(ReadSource reads)
{
    private const string SelectSql = """
        SELECT operation_id, seq, what, subject, before, after, decision::text FROM backtest_changes
        WHERE backtest_id = $1 AND ($2::text IS NULL OR what = $2) AND (operation_id, seq) > ($3, $4)
        ORDER BY operation_id, seq
        LIMIT $5
        """;

    /// <summary>Up to <paramref name="limit"/> changes after (<paramref name="afterOperation"/>, <paramref name="afterSeq"/>), of one kind when given.</summary>
    public async Task<IReadOnlyList<BacktestChangeRow>> PageAsync(
        string backtestId, string? what, string afterOperation, int afterSeq, int limit, CancellationToken ct)
    {
        var rows = new List<BacktestChangeRow>(limit);
        await foreach (var row in ReadAsync(backtestId, what, afterOperation, afterSeq, limit, ct))
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Every change of the backtest (of one kind when given), in order, streamed as read.</summary>
    public IAsyncEnumerable<BacktestChangeRow> ReadAllAsync(string backtestId, string? what, CancellationToken ct) =>
        ReadAsync(backtestId, what, "", -1, null, ct);

    private async IAsyncEnumerable<BacktestChangeRow> ReadAsync(
        string backtestId, string? what, string afterOperation, int afterSeq, int? limit, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = reads.DataSource.CreateCommand(SelectSql);
        command.Parameters.Add(Text(backtestId));
        command.Parameters.Add(Text(what));
        command.Parameters.Add(Text(afterOperation));
        command.Parameters.Add(Int(afterSeq));
        command.Parameters.Add(Int(limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            yield return new BacktestChangeRow(
                reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6));
        }
    }
}
