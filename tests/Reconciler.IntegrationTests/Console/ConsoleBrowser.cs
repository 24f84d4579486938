using Microsoft.Playwright;

namespace Reconciler.IntegrationTests.Console;

/// <summary>
/// Playwright driving Debian's chromium (<c>/usr/bin/chromium</c>, or <c>RECONCILER_CHROMIUM</c>): Playwright's own
/// browser download cannot work here, so none is used. Headless, without the sandbox when running as root, and
/// without the background networking that a closed network refuses. Screenshots go to <see cref="ScreenshotFolder"/>.
/// </summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    public static readonly string ScreenshotFolder = Path.Combine(AppContext.BaseDirectory, "console-screenshots");

    private readonly IPlaywright _playwright;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser) => (_playwright, Browser) = (playwright, browser);

    public IBrowser Browser { get; }

    public static async Task<ConsoleBrowser> LaunchAsync()
    {
        var executable = Environment.GetEnvironmentVariable("RECONCILER_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"No chromium at {executable}: install Debian's chromium (apt-get install chromium; .ci/run does) or set RECONCILER_CHROMIUM.");
        }
        var playwright = await Playwright.CreateAsync();
        List<string> args = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];
        // Chromium refuses to start its sandbox as root (a container's usual user).
        if (Environment.IsPrivilegedProcess)
        {
            args.Add("--no-sandbox");
        }
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = executable, Headless = true, Args = args });
        Directory.CreateDirectory(ScreenshotFolder);
        return new ConsoleBrowser(playwright, browser);
    }

    /// <summary>A fresh browser profile (its own cookies) on a laptop-sized window, or one <paramref name="width"/> pixels wide.</summary>
    public Task<IBrowserContext> NewContextAsync(Uri server, int width = 1366) => Browser.NewContextAsync(new()
    {
        BaseURL = server.ToString().TrimEnd('/'),
        ViewportSize = new() { Width = width, Height = 900 },
        AcceptDownloads = true,
        Locale = "en-GB",
        TimezoneId = "Europe/Berlin",
    });

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    /// <summary>The top of a long page (for the docs: the operation's truth and timeline without its event list).</summary>
    public static Task ScreenshotTopAsync(IPage page, string name, int height) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true, Clip = new() { X = 0, Y = 0, Width = 1366, Height = height } });

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
