using Reconciler.Hosting;
using Reconciler.Plumbing;

namespace Reconciler.Backtests;

/// <summary>
/// How a backtest runs: operations per page (one transaction of changes and progress each), a pause between pages (tests slow a
/// run down to stop it in the middle), how many cores compare a page, and how often an idle server looks for work queued on
/// another. Read from the environment when the services are composed and checked then, so a bad value stops the start.
/// </summary>
public sealed class BacktestOptions
{
    public const string PageSizeVariable = "RECONCILER_BACKTEST_PAGE_SIZE";
    public const string PagePauseVariable = "RECONCILER_BACKTEST_PAGE_PAUSE_MS";
    public const string ParallelismVariable = "RECONCILER_BACKTEST_PARALLELISM";

    /// <summary>Operations read, compared and committed together: with ~10 events each, a page holds a few megabytes.</summary>
    public int PageSize { get; set; } = 500;

    public TimeSpan PagePause { get; set; } = TimeSpan.Zero;

    /// <summary>Threads comparing the operations of a page (the comparison is pure, so they share nothing).</summary>
    public int Parallelism { get; set; } = Environment.ProcessorCount;

    public TimeSpan Poll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Starts of one backtest (a restart or takeover counts) after which a failure ends it as failed instead of retrying.</summary>
    public int MaxAttempts { get; set; } = 5;

    public static BacktestOptions FromEnvironment()
    {
        var options = new BacktestOptions();
        if (EnvironmentNumbers.Read(PageSizeVariable, 1, 100_000) is { } size)
        {
            options.PageSize = size;
        }
        if (EnvironmentNumbers.Read(PagePauseVariable, 0, 60_000) is { } pause)
        {
            options.PagePause = TimeSpan.FromMilliseconds(pause);
        }
        if (EnvironmentNumbers.Read(ParallelismVariable, 1, 256) is { } parallelism)
        {
            options.Parallelism = parallelism;
        }
        return options;
    }
}
