using Npgsql;
using Reconciler.Auth;
using Reconciler.Backtests;
using Reconciler.Cluster;
using Reconciler.Conflicts;
using Reconciler.Deadlines;
using Reconciler.Inbound;
using Reconciler.Ingest;
using Reconciler.Rejudging;
using Reconciler.Store.Sources;
using Reconciler.Store;
using Reconciler.Store.Storms;
using Reconciler.Store.Cluster;
using Reconciler.Store.Conflicts;
using Reconciler.Store.Operations;
using Reconciler.Store.Reports;
using Reconciler.Store.Feed;
using Reconciler.Store.Keys;
using Reconciler.Store.Policies;
using Reconciler.Store.Rejudging;
using Reconciler.Store.Replicas;
using Reconciler.Store.Writing;
using Reconciler.Storms;
using Reconciler.Webhooks;
using Reconciler.Plumbing;

namespace Reconciler.Hosting;

/// <summary>The one composition of the product's services, used by every host (serve, tests, benchmarks).</summary>
public static class ReconcilerServices
{
    public static IServiceCollection AddReconciler(
        this IServiceCollection services, NpgsqlDataSource dataSource, NodeIdentity node, bool runDeadlineWorker = true, ReplicaOptions? replicas = null)
    {
        services.AddSingleton(dataSource);
        services.AddSingleton(TimeProvider.System);
        services.AddReadReplicas(dataSource, replicas ?? ReplicaOptions.None);
        services.AddSingleton<EventStore>();
        services.AddSingleton<ApiKeyTable>();
        services.AddSingleton<KeyStore>();
        services.AddSingleton<PolicyStore>();
        services.AddSingleton<ConflictQuery>();
        services.AddSingleton<OperationQuery>();
        services.AddSingleton<ReportQuery>();
        services.AddSingleton<AccountabilityReport>();
        services.AddSingleton<OperationWriter>();
        services.AddSingleton(new GroupCommitOptions());
        services.AddSingleton<GroupCommit>();
        services.AddSingleton<SourceMonitor>();
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<DeadlineAlarm>();
        services.AddSingleton<DeadlineTicker>();
        services.AddSingleton<ConflictResolver>();
        services.AddSingleton<FeedNotifier>();
        services.AddHostedService(provider => provider.GetRequiredService<FeedNotifier>());
        services.AddSingleton<FeedReader>();
        // Before the jobs: hosted services start in this order and stop in reverse, so the node is registered
        // before any job asks for a lease, and the jobs give theirs back before the node leaves.
        services.AddSingleton(node);
        services.AddSingleton<LeaseTable>();
        services.AddSingleton<NodeTable>();
        services.AddSingleton<ClusterBeat>();
        services.AddSingleton<LeaseKeeper>();
        services.AddHostedService(provider => provider.GetRequiredService<LeaseKeeper>());
        services.AddSingleton<StormStore>();
        services.AddSingleton<StormHold>();
        services.AddHostedService<StormWatcher>();
        services.AddSingleton(RejudgeOptions.FromEnvironment());
        services.AddSingleton<RejudgingStore>();
        services.AddSingleton<UnmodeledConflicts>();
        services.AddSingleton<WorkerAlarm<RejudgeWorker>>();
        services.AddSingleton<Rejudger>();
        services.AddHostedService<RejudgeWorker>();
        services.AddBacktests();
        services.AddWebhooks();
        services.AddInbound();
        if (runDeadlineWorker)
        {
            services.AddHostedService<DeadlineWorker>();
        }
        return services;
    }

    // The read side: always a ReadSource (the primary unless a request is routed); the replicas' checks only when there are some.
    private static void AddReadReplicas(this IServiceCollection services, NpgsqlDataSource primary, ReplicaOptions options)
    {
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton(new ReadSource(primary));
        services.AddSingleton(provider => new ReadReplicas(primary, options, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<WritePosition>();
        if (options.Connections.Count > 0)
        {
            services.AddHostedService(provider => provider.GetRequiredService<ReadReplicas>());
        }
    }
}
