using Npgsql;
using Reconciler.Api;
using Reconciler.Api.OpenApi;
using Reconciler.AuditConsole;
using Reconciler.Auth;
using Reconciler.Backtests;
using Reconciler.Cluster;
using Reconciler.Health;
using Reconciler.Http;
using Reconciler.Inbound;
using Reconciler.Store.Replicas;
using Reconciler.Telemetry;

namespace Reconciler.Hosting;

/// <summary>Builds the HTTP host over an already migrated database: services, JSON, problems, endpoints.</summary>
public static class ReconcilerApp
{
    /// <param name="addServices">Adds to the product's services before the host is built (tests add telemetry exporters).</param>
    public static WebApplication Build(
        NpgsqlDataSource dataSource, IReadOnlyList<string> urls, bool runDeadlineWorker = true, NodeIdentity? node = null,
        Action<IServiceCollection>? addServices = null, ReplicaOptions? replicas = null)
    {
        // No configuration files are read, so none is watched: a watcher on the content root follows every
        // folder under it (with a build tree, thousands of inotify watches and a busy thread).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 8L * SignalsApi.MaxBodyBytes;
            kestrel.ConfigureEndpointDefaults(listen => listen.UseProblemBodies());
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        // A failed start is thrown to the caller as well, which says it in one line (serve: the address is in use);
        // the host's own log of it would only repeat it as a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        var nodeIdentity = node ?? NodeIdentity.Create(null);
        builder.Services.AddReconciler(dataSource, nodeIdentity, runDeadlineWorker, replicas);
        builder.Services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ExceptionProblems>();
        // A query value the framework cannot bind (limit=1e3) throws, so ExceptionProblems can name it.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddApiDocument();
        builder.Services.AddReconcilerTelemetry(nodeIdentity);
        builder.Services.AddReadinessChecks(dataSource, replicas ?? ReplicaOptions.None);
        builder.Services.AddApiKeyAuthentication();
        builder.Services.AddAuditConsole();
        addServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseProblemErrorPages();
        app.UseRequestTargetCheck();
        app.UseAuditConsole();
        app.UseReadRouting();
        app.MapHealthApi();
        app.MapReadinessChecks();
        app.MapOpenApi(ApiDocument.Path).RequireRole(Roles.Any);
        app.MapKeysApi();
        app.MapPoliciesApi();
        app.MapPolicyRejudgeApi();
        app.MapSignalsApi();
        app.MapSourcesApi();
        app.MapOperationsApi();
        app.MapWhatIfApi();
        app.MapBacktestsApi();
        app.MapConflictsApi();
        app.MapReportsApi();
        app.MapStormsApi();
        app.MapFeedApi();
        app.MapSubscriptionsApi();
        app.MapInboundApi();
        app.MapClusterApi();
        app.MapAuditConsole();
        // The console's queue shows new conflicts without a reload: the API's feed stream, on the session cookie (not in the contract).
        app.MapGet(ConsoleEndpoints.Root + "/feed/stream", FeedStreamApi.StreamAsync).ExcludeFromDescription().RequireAuthorization(ConsoleSessions.ReaderPolicy);
        return app;
    }
}
