using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Reconciler.Store;

/// <summary>
/// A private PostgreSQL server in a folder of its own, started from the machine's server programs
/// (used by `reconciler serve` without --connection, by the tests and by the benchmark).
///
/// Ownership policy: the process that starts the server holds an exclusive lock on
/// <c>Folder/reconciler.lock</c> for as long as it runs. At start:
/// - lock held by another process → "data folder X is in use by another server (pid N)";
/// - lock free but a live postmaster in data/ that we started (its postmaster.opts carries
///   cluster_name=reconciler-embedded) → an orphan left by a killed reconciler: stop it (fast) and start again;
/// - lock free and a live postmaster we did not start → "in use by another server (pid N)", untouched;
/// - a stale postmaster.pid (dead pid) → pg_ctl handles it.
/// With <see cref="EmbeddedPostgresOptions.StopWithProcess"/> a small watchdog also shuts the server
/// down (fast) within a second of this process dying by kill -9.
/// </summary>
public sealed partial class EmbeddedPostgres : IAsyncDisposable
{
    private const string Marker = "reconciler-embedded";

    private readonly EmbeddedPostgresOptions _options;
    private readonly string _binDirectory;
    private readonly FileStream _lock;
    private Process? _watchdog;
    private int _stopped;

    private EmbeddedPostgres(EmbeddedPostgresOptions options, string binDirectory, FileStream ownerLock)
    {
        _options = options;
        _binDirectory = binDirectory;
        _lock = ownerLock;
        Folder = Path.GetFullPath(options.Folder);
        DataDirectory = Path.Combine(Folder, "data");
    }

    public string Folder { get; }
    public string DataDirectory { get; }
    public int Port { get; private set; }
    public int PostmasterPid { get; private set; }

    /// <summary>Host=127.0.0.1;Port=…;Username=postgres;Database=postgres.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
    }.ConnectionString;

    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, CancellationToken ct = default)
    {
        var binDirectory = PostgresBinaries.FindBinDirectory(options.BinDirectory);
        var folder = Path.GetFullPath(options.Folder);
        Directory.CreateDirectory(folder);
        var dataDirectory = Path.Combine(folder, "data");
        FileStream ownerLock;
        try
        {
            ownerLock = new FileStream(Path.Combine(folder, "reconciler.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            var pid = ReadPostmasterPid(dataDirectory);
            throw new EmbeddedPostgresException(
                $"Data folder {dataDirectory} is in use by another server (pid {pid?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}) owned by another reconciler process; stop it or use another folder.", e);
        }
        var server = new EmbeddedPostgres(options, binDirectory, ownerLock);
        try
        {
            ownerLock.SetLength(0);
            await ownerLock.WriteAsync(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"), ct).ConfigureAwait(false);
            await ownerLock.FlushAsync(ct).ConfigureAwait(false);
            await server.StartCoreAsync(ct).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await ownerLock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        await PostgresBinaries.ChownAsync(Folder, ct).ConfigureAwait(false);
        if (PostgresBinaries.RunningAsRoot
            && (await PostgresBinaries.RunAsync("test", ["-w", Folder, "-a", "-x", Folder], asPostgres: true, ct).ConfigureAwait(false)).ExitCode != 0)
        {
            // Typically a folder under /root (mode 700): the server runs as postgres and cannot reach it.
            throw new EmbeddedPostgresException(
                $"The postgres user cannot reach {Folder} (a parent folder is not open to it); choose a data folder outside private home folders, or pass --connection.");
        }
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            await (_options.StandbyOf is { } primary ? BaseBackupAsync(primary, ct) : InitDbAsync(ct)).ConfigureAwait(false);
        }
        await StopOrphanAsync(ct).ConfigureAwait(false);

        for (var attempt = 1; ; attempt++)
        {
            Port = _options.Port ?? FreePort();
            var (code, output) = await PgCtlAsync(["start", "-w", "-t", "60", "-D", DataDirectory, "-l", Path.Combine(Folder, "postgres.log"), "-o", ServerOptions()], ct).ConfigureAwait(false);
            if (code == 0)
            {
                break;
            }
            var log = ReadLogTail();
            // Another process may have taken the port we picked between our probe and the bind.
            if (_options.Port is null && attempt < 3 && log.Contains("could not bind", StringComparison.Ordinal))
            {
                continue;
            }
            throw new EmbeddedPostgresException($"PostgreSQL did not start in {DataDirectory}: {output}\n{log}");
        }
        PostmasterPid = ReadPostmasterPid(DataDirectory) ?? 0;
        if (_options.StopWithProcess && PostmasterPid > 0)
        {
            StartWatchdog();
        }
    }

    private async Task InitDbAsync(CancellationToken ct)
    {
        string[] args = ["-D", DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"];
        if (!_options.Durable)
        {
            args = [.. args, "--no-sync"];
        }
        var (code, output) = await PostgresBinaries.RunAsync(Path.Combine(_binDirectory, "initdb"), args, asPostgres: true, ct).ConfigureAwait(false);
        if (code != 0)
        {
            throw new EmbeddedPostgresException($"initdb failed for {DataDirectory}: {output}");
        }
    }

    // A copy of the primary with standby.signal and primary_conninfo written (-R), streaming the WAL it needs (-X stream).
    private async Task BaseBackupAsync(string primaryConnection, CancellationToken ct)
    {
        var primary = new NpgsqlConnectionStringBuilder(primaryConnection);
        string[] args = ["-D", DataDirectory, "-R", "-X", "stream", "-c", "fast", "-h", primary.Host ?? "127.0.0.1",
            "-p", primary.Port.ToString(CultureInfo.InvariantCulture), "-U", primary.Username ?? "postgres"];
        if (!_options.Durable)
        {
            args = [.. args, "--no-sync"];
        }
        var (code, output) = await PostgresBinaries.RunAsync(Path.Combine(_binDirectory, "pg_basebackup"), args, asPostgres: true, ct).ConfigureAwait(false);
        if (code != 0)
        {
            throw new EmbeddedPostgresException($"pg_basebackup from {primary.Host}:{primary.Port} into {DataDirectory} failed: {output}");
        }
    }

    private async Task StopOrphanAsync(CancellationToken ct)
    {
        var pid = ReadPostmasterPid(DataDirectory);
        if (pid is not { } live || !IsAlive(live))
        {
            return;
        }
        var opts = Path.Combine(DataDirectory, "postmaster.opts");
        if (!File.Exists(opts) || !(await File.ReadAllTextAsync(opts, ct).ConfigureAwait(false)).Contains(Marker, StringComparison.Ordinal))
        {
            throw new EmbeddedPostgresException($"Data folder {DataDirectory} is in use by another server (pid {live}) that reconciler did not start; stop it or use another folder.");
        }
        // We hold the owner lock, so the reconciler that started this server is gone: an orphan.
        var (code, output) = await PgCtlAsync(["stop", "-w", "-t", "60", "-m", "fast", "-D", DataDirectory], ct).ConfigureAwait(false);
        if (code != 0 && IsAlive(live))
        {
            throw new EmbeddedPostgresException($"Could not stop the orphaned server (pid {live}) in {DataDirectory}: {output}");
        }
    }

    private string ServerOptions()
    {
        var settings = new Dictionary<string, string>
        {
            ["cluster_name"] = Marker,
            ["listen_addresses"] = "127.0.0.1",
            ["port"] = Port.ToString(CultureInfo.InvariantCulture),
            ["unix_socket_directories"] = SocketDirectory(),
            ["max_connections"] = _options.MaxConnections.ToString(CultureInfo.InvariantCulture),
            ["shared_buffers"] = _options.SharedBuffers,
        };
        if (!_options.Durable)
        {
            settings["fsync"] = "off";
            settings["synchronous_commit"] = "off";
            settings["full_page_writes"] = "off";
        }
        foreach (var (name, value) in _options.Settings)
        {
            settings[name] = value;
        }
        // pg_ctl hands -o to /bin/sh: quote every value.
        return string.Join(' ', settings.Select(s => $"-c {s.Key}='{s.Value.Replace("'", "'\\''", StringComparison.Ordinal)}'"));
    }

    // A unix socket path is limited to 107 bytes; past that listen on TCP only.
    private string SocketDirectory() =>
        System.Text.Encoding.UTF8.GetByteCount(Path.Combine(DataDirectory, $".s.PGSQL.{Port}.lock")) <= 107 ? DataDirectory : "";

    /// <summary>Creates a database (nothing if it exists) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        try
        {
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
        }
        return ConnectionStringFor(name);
    }

    /// <summary>pg_ctl stop -m fast; then the owner lock is released (and the folder deleted if asked).</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        try
        {
            NpgsqlConnection.ClearAllPools();
            // A throw-away cluster needs no shutdown checkpoint. The watchdog stays until the server
            // is down, so that a process killed in the middle of stopping still leaves nothing behind.
            var mode = _options.DeleteFolderOnStop ? "immediate" : "fast";
            var (code, output) = await PgCtlAsync(["stop", "-w", "-t", "60", "-m", mode, "-D", DataDirectory], ct).ConfigureAwait(false);
            if (code != 0 && PostmasterPid > 0 && IsAlive(PostmasterPid))
            {
                throw new EmbeddedPostgresException($"pg_ctl stop failed for {DataDirectory}: {output}");
            }
        }
        finally
        {
            KillWatchdog();
            await _lock.DisposeAsync().ConfigureAwait(false);
            if (_options.DeleteFolderOnStop)
            {
                try
                {
                    Directory.Delete(Folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>For AppDomain.ProcessExit handlers, where nothing can be awaited.</summary>
    public void Stop() => StopAsync().GetAwaiter().GetResult();

    public ValueTask DisposeAsync() => new(StopAsync());

    private Task<(int, string)> PgCtlAsync(IReadOnlyList<string> args, CancellationToken ct) =>
        PostgresBinaries.RunAsync(Path.Combine(_binDirectory, "pg_ctl"), args, asPostgres: true, ct);
}
