using System.CommandLine;
using System.Globalization;
using Reconciler.Store.Replicas;

namespace Reconciler.Cli;

/// <summary><c>serve</c>'s read side: the streaming replicas its reads may use, and how far behind one may be.</summary>
public static class ReadReplicaOptions
{
    public const string ConnectionVariable = "RECONCILER_READ_CONNECTION";

    /// <summary>Between two connection strings in <see cref="ConnectionVariable"/>: an empty pair means nothing in a connection string.</summary>
    public const string Separator = ";;";

    public static readonly Option<string[]> ReadConnection = new("--read-connection")
    {
        Description = $"Npgsql connection string of a hot standby of the database to serve reads from; repeat it for several, used round robin (or {ConnectionVariable}, several separated by '{Separator}')",
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<double> MaxReplicaLag = new("--max-replica-lag")
    {
        Description = "Seconds a replica may trail the primary and still serve reads; beyond it the primary serves them",
        DefaultValueFactory = _ => ReplicaOptions.None.MaxLag.TotalSeconds,
    };

    /// <summary>
    /// The connections given, else those of <paramref name="variable"/> (<see cref="ConnectionVariable"/>'s value); a problem
    /// to print instead when something is out of range.
    /// </summary>
    public static (ReplicaOptions? Options, string? Problem) Read(string[]? connections, string? variable, double maxLagSeconds)
    {
        var named = connections is { Length: > 0 } ? connections
            : (variable ?? "").Split(Separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!double.IsFinite(maxLagSeconds) || maxLagSeconds <= 0 || maxLagSeconds > 3600)
        {
            return (null, $"--max-replica-lag: {maxLagSeconds.ToString(CultureInfo.InvariantCulture)} is not a number of seconds in (0, 3600]");
        }
        if (named.FirstOrDefault(string.IsNullOrWhiteSpace) is not null)
        {
            return (null, "--read-connection: an empty connection string");
        }
        return (new ReplicaOptions { Connections = named, MaxLag = TimeSpan.FromSeconds(maxLagSeconds) }, null);
    }
}
