using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Reconciler.Store;

namespace Reconciler.Health;

/// <summary>
/// <c>GET /readyz</c>: whether this server should take traffic — the database answers, every migration this
/// build carries is applied, and the feed is not stalled. <c>GET /healthz</c> stays the liveness view.
/// </summary>
public static class ReadinessChecks
{
    public const string Path = "/readyz";
    private const string Ready = "ready";

    public static IServiceCollection AddReadinessChecks(this IServiceCollection services, NpgsqlDataSource dataSource)
    {
        services.AddHealthChecks()
            .AddNpgSql(_ => dataSource, name: "database", tags: [Ready], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<MigrationsCheck>("migrations", tags: [Ready])
            .AddCheck<FeedCheck>("feed", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapReadinessChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(Path, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = WriteAsync,
        });
        return app;
    }

    /// <summary>{"status": "Healthy", "checks": {"database": {"status": …, "description": …}, …}}: what failed and why.</summary>
    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description ?? e.Value.Exception?.Message,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
            }),
        };
        return JsonSerializer.SerializeAsync(http.Response.Body, body, cancellationToken: http.RequestAborted);
    }

    private sealed class MigrationsCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var pending = await new Migrator(dataSource).PendingAsync(ct);
            return pending.Count == 0
                ? HealthCheckResult.Healthy("all migrations applied")
                : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) not applied: {string.Join(", ", pending)}; run `reconciler migrate`");
        }
    }

    private sealed class FeedCheck(EventStore store, IOptions<ReadinessOptions> options) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var feed = await store.GetFeedHealthAsync(ct);
            if (feed.OldestTransactionAge is { } age && age > options.Value.FeedStalledAfter)
            {
                return HealthCheckResult.Unhealthy(
                    $"the feed is stalled: transaction of backend {feed.OldestTransactionPid} has been open {age.TotalSeconds:0} s and holds the safe point back");
            }
            return HealthCheckResult.Healthy($"{feed.NextTransactionId - feed.SafeTransactionId} transaction(s) in flight");
        }
    }
}

public sealed class ReadinessOptions
{
    /// <summary>An open transaction older than this holds the feed's safe point back: readers see nothing newer.</summary>
    public TimeSpan FeedStalledAfter { get; set; } = TimeSpan.FromSeconds(60);
}
