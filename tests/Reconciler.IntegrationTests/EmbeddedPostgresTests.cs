using System.Diagnostics;
using Npgsql;
using Reconciler.Store;

namespace Reconciler.IntegrationTests;

/// <summary>The private server's folder ownership: in use, orphaned by a killed process, foreign.</summary>
[Collection(PostgresCollection.Name)]
public sealed class EmbeddedPostgresTests
{
    [Fact]
    public async Task Given_a_running_server_when_a_second_starts_on_its_folder_then_it_is_refused_naming_the_folder_and_pid()
    {
        var options = EmbeddedPostgresOptions.Temporary("reconciler-inuse");
        await using var first = await EmbeddedPostgres.StartAsync(options);

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => EmbeddedPostgres.StartAsync(options with { DeleteFolderOnStop = false }));

        Assert.Contains($"{first.DataDirectory} is in use by another server (pid {first.PostmasterPid})", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await ScalarAsync(first.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Given_a_server_orphaned_by_a_killed_owner_when_starting_again_then_it_is_stopped_and_restarted_with_its_data()
    {
        var options = EmbeddedPostgresOptions.Temporary("reconciler-orphan") with { StopWithProcess = false };
        var orphaned = await EmbeddedPostgres.StartAsync(options);
        await orphaned.CreateDatabaseAsync("kept");
        orphaned.Abandon();

        await using var restarted = await EmbeddedPostgres.StartAsync(options);

        Assert.NotEqual(orphaned.PostmasterPid, restarted.PostmasterPid);
        Assert.False(Alive(orphaned.PostmasterPid));
        Assert.Equal(1, await ScalarAsync(restarted.ConnectionStringFor("kept"), "SELECT 1"));
    }

    [Fact]
    public async Task Given_a_folder_served_by_a_server_reconciler_did_not_start_when_starting_then_it_is_refused_and_left_alone()
    {
        var folder = EmbeddedPostgresOptions.Temporary("reconciler-foreign").Folder;
        try
        {
            var ours = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Folder = folder, Durable = false, StopWithProcess = false });
            await ours.StopAsync();
            var data = Path.Combine(folder, "data");
            var pgCtl = Path.Combine(PostgresBinaries.FindBinDirectory(null), "pg_ctl");
            RunAsPostgres(pgCtl, "start", "-w", "-D", data, "-l", Path.Combine(folder, "foreign.log"), "-o", $"-c port={ours.Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''");
            try
            {
                var pid = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);

                var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Folder = folder, StopWithProcess = false }));

                Assert.Contains($"{data} is in use by another server (pid {pid})", error.Message, StringComparison.Ordinal);
                Assert.True(Alive(pid));
            }
            finally
            {
                RunAsPostgres(pgCtl, "stop", "-w", "-m", "immediate", "-D", data);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool Alive(int pid) => EmbeddedPostgres.IsAlive(pid);

    private static void RunAsPostgres(string program, params string[] args)
    {
        var root = Environment.UserName == "root";
        var start = new ProcessStartInfo(root ? "runuser" : program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in root ? ["-u", "postgres", "--", program, .. args] : args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output);
    }

    private static async Task<int> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
