using System.Globalization;

namespace Reconciler.Bench;

/// <summary>CPU time of processes from /proc (Linux): where a benchmark's time went, per party.</summary>
public static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>User plus system CPU of <paramref name="pid"/> so far; with <paramref name="withChildren"/>, plus its children (live and reaped).</summary>
    public static TimeSpan Of(int pid, bool withChildren = false)
    {
        var fields = Fields(pid);
        if (fields is null)
        {
            return TimeSpan.Zero;
        }
        // Fields after the command: state is [0]; utime [11], stime [12], cutime [13], cstime [14].
        var ticks = Tick(fields[11]) + Tick(fields[12]);
        if (withChildren)
        {
            ticks += Tick(fields[13]) + Tick(fields[14]);
            foreach (var child in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(child), out var childPid) && Fields(childPid) is { } c && c[1] == pid.ToString(CultureInfo.InvariantCulture))
                {
                    ticks += Tick(c[11]) + Tick(c[12]);
                }
            }
        }
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    private static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command is in parentheses and may hold spaces: split after its closing one.
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double Tick(string field) => double.Parse(field, CultureInfo.InvariantCulture);
}
