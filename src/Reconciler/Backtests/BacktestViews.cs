using System.ComponentModel;
using System.Text;
using Reconciler.Core.Backtests;
using Reconciler.Store.Backtests;

namespace Reconciler.Backtests;

[Description("How far a backtest got: operations compared of those it has to compare, the rate of the current run, and when it should end at that rate.")]
public sealed record BacktestProgress(
    long Done,
    [property: Description("Operations of the type in the range, counted when the run started; left out until then")] long? Total,
    [property: Description("Operations compared per second: since the run (re)started while it runs, over the whole run once done")] double? OperationsPerSecond,
    [property: Description("While it runs: when it should end at the current rate")] DateTimeOffset? EstimatedEnd);

[Description("A policy backtest (docs/api.md, 'Policy backtests'): what a candidate policy would change across the stored operations of its type. The summary is there once it is done.")]
public sealed record BacktestView(
    string BacktestId,
    string OperationType,
    [property: Description("queued, running, done, failed or cancelled")] string Status,
    [property: Description("sha256 of the candidate in normal form: the same policy however it is written")] string CandidateHash,
    [property: Description("Operations whose first signal is at or after this time (engine time)")] DateTimeOffset? From,
    [property: Description("Operations whose first signal is before this time")] DateTimeOffset? To,
    [property: Description("The candidate's deadlines pass up to this time in every replay")] DateTimeOffset AsOf,
    string? RequestedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    BacktestProgress Progress,
    [property: Description("Once done: the figures and their content hash")] BacktestSummary? Summary,
    [property: Description("Why it failed")] string? Error)
{
    public static BacktestView Of(BacktestRow row) => new(
        row.Id, row.OperationType, row.Status, row.CandidateHash, row.From, row.To, row.AsOf, row.RequestedBy, row.CreatedAt, row.StartedAt, row.EndedAt,
        ProgressOf(row),
        row.Status == BacktestStatus.Done && row.Summary is { } summary ? BacktestSummary.FromJson(summary) : null,
        row.Error);

    private static BacktestProgress ProgressOf(BacktestRow row)
    {
        var total = row.Total is { } counted ? Math.Max(counted, row.Done) : (long?)null;
        if (row.Status == BacktestStatus.Done && row.StartedAt is { } started && row.EndedAt is { } ended)
        {
            return new BacktestProgress(row.Done, total, Rate(row.Done, ended - started), null);
        }
        if (row.Status != BacktestStatus.Running || row.ResumedAt is not { } resumed || Rate(row.Done - row.ResumedDone, row.ReadAt - resumed) is not { } rate)
        {
            return new BacktestProgress(row.Done, total, null, null);
        }
        var left = (total ?? row.Done) - row.Done;
        return new BacktestProgress(row.Done, total, rate, row.ReadAt.AddSeconds(left / rate));
    }

    private static double? Rate(long operations, TimeSpan elapsed) =>
        operations > 0 && elapsed > TimeSpan.Zero ? Math.Round(operations / elapsed.TotalSeconds, 1) : null;
}

[Description("Backtests of an operation type, newest first.")]
public sealed record BacktestList(IReadOnlyList<BacktestView> Items);

[Description("What differs for one operation: a what-if change (what: outcome, finality, facet, conflict) or a decision at risk (what: decision, subject its conflict, before the resolution, after the risk).")]
public sealed record BacktestChange(
    string OperationId,
    string What,
    string Subject,
    [property: Description("Today; left out when there is nothing")] string? Before,
    [property: Description("Under the candidate; left out when there is nothing")] string? After,
    [property: Description("what: decision only: who decided, when and why")] DecisionAtRisk? Decision)
{
    public static BacktestChange Of(BacktestChangeRow row) =>
        new(row.OperationId, row.What, row.Subject, row.Before, row.After, row.Decision is { } json ? BacktestSummary.DecisionFromJson(json) : null);
}

[Description("One page of a backtest's changes, by operation id.")]
public sealed record BacktestChangePage(IReadOnlyList<BacktestChange> Items, [property: Description("Cursor of the next page; left out on the last")] string? Next);

/// <summary>The opaque cursor of the changes: the (operation, seq) of the last change of a page.</summary>
public static class BacktestCursor
{
    public static string Encode(string operationId, int seq) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{seq}:{operationId}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string cursor, out string operationId, out int seq)
    {
        (operationId, seq) = ("", -1);
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 1 || !int.TryParse(text[..colon], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out seq))
            {
                return false;
            }
            operationId = text[(colon + 1)..];
            return operationId.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
