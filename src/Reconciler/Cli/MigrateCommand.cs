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
            await using var database = await DatabaseStartup.TryStartAsync(result.GetValue(CommonOptions.Connection), result.GetValue(CommonOptions.DataDir)!, "migrate", ct);
            if (database is null)
            {
                return 2;
            }
            Console.WriteLine($"The schema of the {database.Description} is up to date.");
            return 0;
        });
        return command;
    }
}
