using System.CommandLine;
using System.Globalization;
using Reconciler.Store;
using Reconciler.Store.Projections;
using Spectre.Console;

namespace Reconciler.Cli;

/// <summary><c>reconciler projections rebuild [--verify]</c>: the projections recomputed from the events alone.</summary>
public static class ProjectionsCommand
{
    public static Command Create()
    {
        var verify = new Option<bool>("--verify")
        {
            Description = "Rebuild into scratch tables only and compare every row with the live projections; exit 1 on any difference",
        };
        var rebuild = new Command("rebuild", "Recompute the operations and conflicts projections by folding every stream (ingest may go on meanwhile)")
        {
            verify, CommonOptions.Connection, CommonOptions.DataDir,
        };
        rebuild.SetAction((result, ct) => RunAsync(result.GetValue(verify), result.GetValue(CommonOptions.Connection), result.GetValue(CommonOptions.DataDir)!, ct));
        return new Command("projections", "Maintain the read projections (talks to the database directly)") { rebuild };
    }

    public static async Task<int> RunAsync(bool verify, string? connection, string dataDir, CancellationToken ct)
    {
        var database = await DatabaseStartup.TryStartAsync(connection, dataDir, "projections rebuild", ct);
        if (database is null)
        {
            return 2;
        }
        await using (database)
        {
            RebuildResult result;
            try
            {
                result = await AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask(verify ? "verifying" : "rebuilding", maxValue: 1);
                        var outcome = await new ProjectionRebuilder(database.DataSource).RunAsync(verify, p =>
                        {
                            task.MaxValue = Math.Max(1, p.TotalEvents);
                            task.Value = p.EventsFolded;
                            task.Description = string.Create(CultureInfo.InvariantCulture, $"{(verify ? "verifying" : "rebuilding")}: {p.EventsFolded:N0} events, {p.EventsPerSecond:N0} events/s");
                        }, ct);
                        task.Value = task.MaxValue;
                        return outcome;
                    });
            }
            catch (Npgsql.NpgsqlException e)
            {
                await Console.Error.WriteLineAsync($"reconciler projections rebuild: {e.Message}");
                return 2;
            }

            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Folded {result.Streams:N0} streams, {result.Events:N0} events in {result.Elapsed.TotalSeconds:0.00} s ({result.EventsPerSecond:N0} events/s); " +
                $"{result.CaughtUpStreams:N0} streams written meanwhile re-folded under the lock ({result.Locked.TotalMilliseconds:N0} ms) over the {database.Description}."));
            if (!verify)
            {
                AnsiConsole.WriteLine("The operations and conflicts projections were replaced by the rebuilt rows.");
                return 0;
            }
            if (result.Differences.Count == 0)
            {
                AnsiConsole.WriteLine("No differences: the projections are a pure function of the events.");
                return 0;
            }
            var table = new Table().AddColumns("table", "id", "problem", "columns that differ");
            foreach (var d in result.Differences)
            {
                table.AddRow(Markup.Escape(d.Table), Markup.Escape(d.Id), Markup.Escape(d.Problem), Markup.Escape(string.Join(", ", d.Columns)));
            }
            AnsiConsole.Write(table);
            AnsiConsole.WriteLine($"{result.Differences.Count} rows differ from what the events fold to; `reconciler projections rebuild` replaces them.");
            return 1;
        }
    }
}
