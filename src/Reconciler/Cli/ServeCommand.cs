using System.CommandLine;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Reconciler.Auth;
using Reconciler.Cluster;
using Reconciler.Hosting;
using Reconciler.Store;
using Reconciler.Store.Cluster;

namespace Reconciler.Cli;

public static class ServeCommand
{
    public const string BootstrapAdminKeyVariable = "RECONCILER_BOOTSTRAP_ADMIN_KEY";

    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var node = new Option<string?>("--node")
        {
            Description = "This server's name among the servers sharing the database (default: host name and process id)",
        };
        var command = new Command("serve", "Run the HTTP API and the deadline worker (uses the database: --connection, else embedded PostgreSQL)")
        {
            urls, node, CommonOptions.Connection, CommonOptions.DataDir, Webhooks.WebhookServe.AllowPrivate,
        };
        command.SetAction((result, ct) => RunAsync(result.GetValue(urls)!, result.GetValue(node), result.GetValue(CommonOptions.Connection), result.GetValue(CommonOptions.DataDir)!, result.GetValue(Webhooks.WebhookServe.AllowPrivate), ct));
        return command;
    }

    private static async Task<int> RunAsync(string urls, string? nodeName, string? connection, string dataDir, bool allowPrivateWebhooks, CancellationToken ct)
    {
        var database = await DatabaseStartup.TryStartAsync(connection, dataDir, "serve", ct);
        if (database is null)
        {
            return 2;
        }
        await using (database)
        {
            if (NodeNames.Problem(nodeName) is { } problem)
            {
                await Console.Error.WriteLineAsync($"--node: {problem}");
                return 2;
            }
            var node = NodeIdentity.Create(nodeName);
            node.Address = urls;
            var app = ReconcilerApp.Build(database.DataSource, urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), node: node);
            Webhooks.WebhookServe.Configure(app.Services, allowPrivateWebhooks, connection, dataDir);
            var bootstrapKey = Environment.GetEnvironmentVariable(BootstrapAdminKeyVariable);
            if (!string.IsNullOrEmpty(bootstrapKey))
            {
                await app.Services.GetRequiredService<KeyStore>().EnsureBootstrapAdminAsync(bootstrapKey, ct);
            }
            try
            {
                await app.StartAsync(ct);
            }
            catch (NodeNameInUseException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 2;
            }
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            Console.WriteLine($"Reconciler node {node.Name} is listening on {string.Join(", ", addresses)} over the {database.Description}. Ctrl+C stops it.");
            try
            {
                await app.WaitForShutdownAsync(ct);
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
            }
        }
        return 0;
    }
}
