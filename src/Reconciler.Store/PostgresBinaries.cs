using System.Diagnostics;
using System.Text;

namespace Reconciler.Store;

/// <summary>Finds the PostgreSQL server programs and runs them, as the <c>postgres</c> user when this process is root.</summary>
internal static class PostgresBinaries
{
    private static readonly string[] Required = ["initdb", "pg_ctl", "postgres"];

    public static bool RunningAsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    /// <summary>The directory holding initdb, pg_ctl and postgres: the hint, else PATH, else the highest /usr/lib/postgresql/*/bin.</summary>
    public static string FindBinDirectory(string? hint)
    {
        if (hint is not null)
        {
            return HasAll(hint) ? hint : throw new EmbeddedPostgresException($"PostgreSQL programs ({string.Join(", ", Required)}) not found in '{hint}'.");
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var pgCtl = Path.Combine(dir, "pg_ctl");
            if (File.Exists(pgCtl))
            {
                // Resolve symlinks (/usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin/pg_ctl) so
                // that initdb and postgres of the same version are used.
                var real = new FileInfo(pgCtl).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? pgCtl;
                var realDir = Path.GetDirectoryName(real)!;
                if (HasAll(realDir))
                {
                    return realDir;
                }
                if (HasAll(dir))
                {
                    return dir;
                }
            }
        }
        const string Root = "/usr/lib/postgresql";
        if (Directory.Exists(Root))
        {
            var best = Directory.GetDirectories(Root)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(x => x.Version >= 0 && HasAll(x.Dir))
                .OrderByDescending(x => x.Version)
                .Select(x => x.Dir)
                .FirstOrDefault();
            if (best is not null)
            {
                return best;
            }
        }
        throw new EmbeddedPostgresException(
            "PostgreSQL server programs (initdb, pg_ctl, postgres) were not found on PATH nor under /usr/lib/postgresql/*/bin. " +
            "Install them (from a checkout: script/bootstrap; Debian/Ubuntu: `apt-get install postgresql`), or pass --connection (RECONCILER_CONNECTION) to use an existing server.");
    }

    private static bool HasAll(string dir) => Required.All(p => File.Exists(Path.Combine(dir, p)));

    /// <summary>Gives a folder to the postgres user (only when we are root: the server refuses to run as root).</summary>
    public static async Task ChownAsync(string path, CancellationToken ct)
    {
        if (RunningAsRoot)
        {
            var (code, output) = await RunAsync("chown", ["-R", "postgres:postgres", path], asPostgres: false, ct).ConfigureAwait(false);
            // A server that is stopping (an orphan after a kill -9) removes its pid file and sockets while
            // chown walks the folder; those files are gone for good, so a second walk gets through.
            for (var attempt = 0; code != 0 && attempt < 3 && output.Contains("No such file or directory", StringComparison.Ordinal); attempt++)
            {
                await Task.Delay(200, ct).ConfigureAwait(false);
                (code, output) = await RunAsync("chown", ["-R", "postgres:postgres", path], asPostgres: false, ct).ConfigureAwait(false);
            }
            if (code != 0)
            {
                throw new EmbeddedPostgresException($"Could not give '{path}' to the postgres user: {output}");
            }
        }
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken ct)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (asPostgres && RunningAsRoot)
        {
            start.FileName = "runuser";
            foreach (var a in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start.FileName = program;
        }
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start) ?? throw new EmbeddedPostgresException($"Could not start {program}.");
        process.StandardInput.Close();
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        output.Append(await stdout.ConfigureAwait(false)).Append(await stderr.ConfigureAwait(false));
        return (process.ExitCode, output.ToString().Trim());
    }
}

public sealed class EmbeddedPostgresException(string message, Exception? inner = null) : Exception(message, inner);
