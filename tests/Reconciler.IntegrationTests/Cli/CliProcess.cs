using System.Diagnostics;

namespace Reconciler.IntegrationTests.Cli;

/// <summary>Runs a built executable (the reconciler, a sample) as a process with its output captured.</summary>
public static class CliProcess
{
    public static string Reconciler => Path.Combine(AppContext.BaseDirectory, "reconciler.dll");

    /// <summary>Runs <c>dotnet dll args</c>; <paramref name="key"/> goes in RECONCILER_KEY (null: unset), <paramref name="columns"/>
    /// in COLUMNS, the width the CLI lays its tables out for when its output is captured (null: unset).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string dll, string? key, int? columns, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        Set(start, "RECONCILER_KEY", key);
        Set(start, "COLUMNS", columns?.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await error);
    }

    private static void Set(ProcessStartInfo start, string name, string? value)
    {
        if (value is null)
        {
            start.Environment.Remove(name);
        }
        else
        {
            start.Environment[name] = value;
        }
    }
}
