namespace Reconciler.Store;

/// <summary>How to run a private PostgreSQL server. <see cref="Folder"/> holds data/, postgres.log and the owner lock.</summary>
public sealed record EmbeddedPostgresOptions
{
    public required string Folder { get; init; }

    /// <summary>False for throw-away clusters (tests, benchmarks): initdb --no-sync, fsync, synchronous_commit and full_page_writes off.</summary>
    public bool Durable { get; init; } = true;

    /// <summary>A fixed TCP port; null picks a free one on 127.0.0.1.</summary>
    public int? Port { get; init; }

    public int MaxConnections { get; init; } = 200;
    public string SharedBuffers { get; init; } = "128MB";

    /// <summary>Where initdb, pg_ctl and postgres are; null searches PATH then /usr/lib/postgresql/*/bin.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>A watchdog shuts the server down if this process dies without stopping it (kill -9).</summary>
    public bool StopWithProcess { get; init; } = true;

    /// <summary>Delete <see cref="Folder"/> when the server stops (temporary clusters).</summary>
    public bool DeleteFolderOnStop { get; init; }

    /// <summary>
    /// A primary's connection string (superuser, replication allowed): a new cluster is then a hot standby of it, copied by
    /// <c>pg_basebackup -R</c> and following it by streaming replication, instead of a new database cluster.
    /// </summary>
    public string? StandbyOf { get; init; }

    /// <summary>Extra <c>-c name=value</c> server settings.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>A throw-away, fast, non-durable cluster in a new temporary folder, deleted at stop.</summary>
    public static EmbeddedPostgresOptions Temporary(string prefix = "reconciler-pg") => new()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]),
        Durable = false,
        DeleteFolderOnStop = true,
    };
}
