using Reconciler.Store.Backtests;
using Reconciler.Hosting;
using Reconciler.Plumbing;

namespace Reconciler.Backtests;

/// <summary>The services of policy backtests: the tables, the runner and the worker under the <c>backtests</c> lease.</summary>
public static class BacktestServices
{
    /// <summary>Call after the lease keeper is registered: the worker asks it for its lease.</summary>
    public static IServiceCollection AddBacktests(this IServiceCollection services)
    {
        services.AddSingleton(BacktestOptions.FromEnvironment());
        services.AddSingleton<BacktestStore>();
        services.AddSingleton<BacktestChangeQuery>();
        services.AddSingleton<BacktestRuns>();
        services.AddSingleton<WorkerAlarm<BacktestWorker>>();
        services.AddSingleton<BacktestRunner>();
        services.AddHostedService<BacktestWorker>();
        return services;
    }
}
