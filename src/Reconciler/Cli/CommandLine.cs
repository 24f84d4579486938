using System.CommandLine;

namespace Reconciler.Cli;

/// <summary>The <c>reconciler</c> command and its subcommands, as <c>Program</c> runs them and the help snapshot reads them.</summary>
public static class CommandLine
{
    public static RootCommand Root() => new("Reconciler: an event-sourced reconciliation engine — signals in, agreed truth and conflicts out")
    {
        ServeCommand.Create(),
        MigrateCommand.Create(),
        ReplayCommand.Create(),
        ConflictsCommand.Create(),
        KeysCommand.Create(),
        PoliciesCommand.Create(),
        DemoCommand.Create(),
        ProjectionsCommand.Create(),
        SubscriptionsCommand.Create(),
        ImportCommand.Create(),
    };
}
