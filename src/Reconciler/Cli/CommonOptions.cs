using System.CommandLine;

namespace Reconciler.Cli;

/// <summary>Options several commands share.</summary>
public static class CommonOptions
{
    public static readonly Option<string?> Connection = new("--connection")
    {
        Description = $"Npgsql connection string of an external PostgreSQL (or {DatabaseStartup.ConnectionVariable}); without it an embedded PostgreSQL runs in --data-dir",
    };

    public static readonly Option<string> DataDir = new("--data-dir")
    {
        Description = "Folder of the embedded PostgreSQL",
        DefaultValueFactory = _ => DatabaseStartup.DefaultDataDir,
    };
}
