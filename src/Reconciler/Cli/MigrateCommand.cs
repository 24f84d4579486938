using System.CommandLine;

namespace Reconciler.Cli;

public static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Apply pending migrations to the database (--connection, else the embedded PostgreSQL) and exit")
        {
            CommonOptions.Connection, CommonOptions.DataDir,
        };
        command.SetAction(async (result, ct) =>
        {
            try
            {
                await using var database = await DatabaseStartup.StartAsync(result.GetValue(CommonOptions.Connection), result.GetValue(CommonOptions.DataDir)!, Console.Out, ct);
                Console.WriteLine($"The schema of the {database.Description} is up to date.");
                return 0;
            }
            catch (Exception e) when (e is Store.EmbeddedPostgresException or Npgsql.NpgsqlException or Store.MigrationChecksumException)
            {
                await Console.Error.WriteLineAsync($"reconciler migrate: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
