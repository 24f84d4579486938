using System.Diagnostics;
using System.Text;

namespace Reconciler.IntegrationTests.Contract;

/// <summary>The output of one run of a third-party tool.</summary>
public sealed record ToolRun(int ExitCode, string Output, string Errors)
{
    public string Both => $"exit code {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Errors}";
}

/// <summary>
/// The third-party tools the contract tests drive, installed by the set-up (script/bootstrap): the npm ones in
/// tests/contract/node_modules (<see cref="NpmSetup"/>) and the .NET ones from .config/dotnet-tools.json
/// (<see cref="DotnetSetup"/>). A missing tool fails the test with the command that installs it: never a skip.
/// </summary>
public static class ContractTools
{
    public const string NpmSetup = "npm ci --prefix tests/contract";
    public const string DotnetSetup = "dotnet tool restore";

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ContractFolder => Path.Combine(RepositoryRoot, "tests", "contract");

    /// <summary>The path of an npm tool's command, or a failed test naming the set-up command.</summary>
    public static string NodeTool(string command)
    {
        var path = Path.Combine(ContractFolder, "node_modules", ".bin", command);
        if (!File.Exists(path))
        {
            Assert.Fail($"{command} is not installed ({path} is missing): run `{NpmSetup}` from the repository root, as script/bootstrap does.");
        }
        return path;
    }

    /// <summary>Runs a tool of the local manifest (<c>dotnet tool run</c>); a tool not restored fails the test naming the set-up command.</summary>
    public static async Task<ToolRun> DotnetToolAsync(string command, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var run = await RunAsync("dotnet", ["tool", "run", command, .. arguments], RepositoryRoot, timeout);
        if (run.ExitCode != 0 && (run.Output + run.Errors).Contains("dotnet tool restore", StringComparison.Ordinal))
        {
            Assert.Fail($"The .NET tool '{command}' is not installed: run `{DotnetSetup}` from the repository root, as script/bootstrap does.\n{run.Both}");
        }
        return run;
    }

    /// <summary>Runs a program to its end (killed with its children after <paramref name="timeout"/>), collecting what it prints.</summary>
    public static async Task<ToolRun> RunAsync(
        string file, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(file, arguments, workingDirectory, environment);
        var output = new StringBuilder();
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(errors, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{Path.GetFileName(file)} {string.Join(' ', arguments)} did not end within {timeout.TotalSeconds} s.\n{output}\n{errors}");
        }
        // The asynchronous readers may still hold the last lines until the streams end.
        process.WaitForExit();
        return new ToolRun(process.ExitCode, Text(output), Text(errors));
    }

    public static Process Start(string file, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // No colours, no update checks, no telemetry (and so no request to anywhere but the registries): the output is read by a test.
        start.Environment["NO_COLOR"] = "1";
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["KIOTA_OFFLINE_ENABLED"] = "true";
        start.Environment["KIOTA_CLI_TELEMETRY_OPTOUT"] = "true";
        start.Environment["KIOTA_TUTORIAL_ENABLED"] = "false";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (text)
        {
            text.AppendLine(line);
        }
    }

    private static string Text(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Reconciler.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException("Reconciler.sln not found above " + AppContext.BaseDirectory);
    }
}
