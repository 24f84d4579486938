using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Reconciler.Store;

/// <summary>The process side of the private server: the watchdog, pid files, liveness, ports.</summary>
public sealed partial class EmbeddedPostgres
{
    private void StartWatchdog()
    {
        // kill -0 also succeeds on a zombie (a dead process nobody reaped, common under a
        // container's init), so liveness is read from the state in /proc/PID/stat.
        var folder = "'" + Folder.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var script = $$"""
            exec </dev/null >/dev/null 2>&1
            alive() { s=$(sed 's/.*) //' /proc/$1/stat 2>/dev/null | cut -c1); [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]; }
            while alive {{Environment.ProcessId}}; do sleep 1; done
            kill -INT {{PostmasterPid}}
            {{(_options.DeleteFolderOnStop ? $"while alive {PostmasterPid}; do sleep 0.2; done; rm -rf {folder}" : "")}}
            """;
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var a in (string[])["/bin/sh", "-c", script])
        {
            start.ArgumentList.Add(a);
        }
        _watchdog = Process.Start(start);
    }

    /// <summary>Leaves the server running and releases ownership, as a killed process would (tests of the orphan policy).</summary>
    internal void Abandon()
    {
        _stopped = 1;
        KillWatchdog();
        _lock.Dispose();
    }

    private void KillWatchdog()
    {
        try
        {
            _watchdog?.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        _watchdog?.Dispose();
        _watchdog = null;
    }

    private string ReadLogTail()
    {
        try
        {
            var lines = File.ReadAllLines(Path.Combine(Folder, "postgres.log"));
            return string.Join('\n', lines.TakeLast(15));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int? ReadPostmasterPid(string dataDirectory)
    {
        try
        {
            var first = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    // A zombie (state Z: exited, not yet reaped by a parent such as a container's init) is dead.
    internal static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].TrimStart();
            return state.Length > 0 && state[0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
