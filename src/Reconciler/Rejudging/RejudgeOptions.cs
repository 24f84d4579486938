using Reconciler.Hosting;
using Reconciler.Plumbing;

namespace Reconciler.Rejudging;

/// <summary>
/// How fast a run of re-judging goes: conflicts per page (one transaction each) and the pause between pages, which leaves
/// room for ingest while a large backlog is judged again. Read from the environment when the services are composed and
/// checked then, so a bad value stops the start; tests set them directly.
/// </summary>
public sealed class RejudgeOptions
{
    public const string PageSizeVariable = "RECONCILER_REJUDGE_PAGE_SIZE";
    public const string PagePauseVariable = "RECONCILER_REJUDGE_PAGE_PAUSE_MS";

    /// <summary>Open unmodeled conflicts looked at per page: the operations one transaction locks.</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>The pause after each page.</summary>
    public TimeSpan PagePause { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How often a server with nothing to do asks whether a run started on another server.</summary>
    public TimeSpan Poll { get; set; } = TimeSpan.FromSeconds(1);

    public static RejudgeOptions FromEnvironment()
    {
        var options = new RejudgeOptions();
        if (EnvironmentNumbers.Read(PageSizeVariable, 1, 10_000) is { } size)
        {
            options.PageSize = size;
        }
        if (EnvironmentNumbers.Read(PagePauseVariable, 0, 60_000) is { } pause)
        {
            options.PagePause = TimeSpan.FromMilliseconds(pause);
        }
        return options;
    }
}
