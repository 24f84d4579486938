using System.CommandLine;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Reconciler.Auth;
using Reconciler.Cluster;
using Reconciler.Hosting;
using Reconciler.Store;
using Reconciler.Store.Cluster;
using Reconciler.Store.Replicas;

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
        var command = new Command("serve",
            "Run the HTTP API, the console and the background workers (uses the database: --connection, else an embedded PostgreSQL in --data-dir). " +
            $"{BootstrapAdminKeyVariable}=<secret> makes that secret the first admin key; RECONCILER_KEY is what the other commands call with.")
        {
            urls, node, CommonOptions.Connection, CommonOptions.DataDir, Webhooks.WebhookServe.AllowPrivate,
            ReadReplicaOptions.ReadConnection, ReadReplicaOptions.MaxReplicaLag,
        };
        command.SetAction((result, ct) =>
        {
            var (replicas, problem) = ReadReplicaOptions.Read(
                result.GetValue(ReadReplicaOptions.ReadConnection), Environment.GetEnvironmentVariable(ReadReplicaOptions.ConnectionVariable),
                result.GetValue(ReadReplicaOptions.MaxReplicaLag));
            if (replicas is null)
            {
                Console.Error.WriteLine(problem);
                return Task.FromResult(2);
            }
            return RunAsync(result.GetValue(urls)!, result.GetValue(node), result.GetValue(CommonOptions.Connection), result.GetValue(CommonOptions.DataDir)!,
                result.GetValue(Webhooks.WebhookServe.AllowPrivate), replicas, ct);
        });
        return command;
    }

    /// <summary>
    /// Starts the host; when it cannot (the address is taken, the node name is live elsewhere) it stops what did
    /// start, so no worker runs on against a closed database, and returns the one line to say instead.
    /// </summary>
    private static async Task<string?> StartOrExplainAsync(WebApplication app, string urls, CancellationToken ct)
    {
        string refusal;
        try
        {
            await app.StartAsync(ct);
            return null;
        }
        catch (NodeNameInUseException e)
        {
            refusal = e.Message;
        }
        catch (Exception e) when (e is AddressInUseException || e.InnerException is AddressInUseException)
        {
            refusal = $"reconciler serve: cannot listen on {urls}: the address is in use (another server?). Stop that process, or choose another address with --urls, for example --urls http://127.0.0.1:5081";
        }
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
        return refusal;
    }

    private static async Task<int> RunAsync(
        string urls, string? nodeName, string? connection, string dataDir, bool allowPrivateWebhooks, ReplicaOptions replicas, CancellationToken ct)
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
            var app = ReconcilerApp.Build(database.DataSource, urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), node: node, replicas: replicas);
            Webhooks.WebhookServe.Configure(app.Services, allowPrivateWebhooks, connection, dataDir);
            var bootstrapKey = Environment.GetEnvironmentVariable(BootstrapAdminKeyVariable);
            if (!string.IsNullOrEmpty(bootstrapKey))
            {
                await app.Services.GetRequiredService<KeyStore>().EnsureBootstrapAdminAsync(bootstrapKey, ct);
            }
            if (await StartOrExplainAsync(app, urls, ct) is { } refusal)
            {
                await Console.Error.WriteLineAsync(refusal);
                return 2;
            }
            if (string.IsNullOrEmpty(bootstrapKey) && !await app.Services.GetRequiredService<KeyStore>().AnyAdminAsync(ct))
            {
                Console.WriteLine($"No admin key exists yet: stop the server and start it again with {BootstrapAdminKeyVariable}=<a secret of your choice> to make that secret the first admin key (docs/quickstart.md).");
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
