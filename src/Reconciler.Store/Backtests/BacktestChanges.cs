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
/// The <c>backtest_changes</c> table's writes: binary COPY in each page's transaction (<see cref="BacktestChangeQuery"/> reads it).
/// </summary>
public static class BacktestChanges
{
    public const string DecisionWhat = "decision";

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
