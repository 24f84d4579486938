using System.CommandLine;
using Reconciler.Cli;

var root = new RootCommand("Reconciler: an event-sourced reconciliation engine — signals in, agreed truth and conflicts out")
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
return await root.Parse(args).InvokeAsync();
