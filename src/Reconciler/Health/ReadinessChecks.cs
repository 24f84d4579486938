using System.ComponentModel;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Reconciler.Api.OpenApi;
using Reconciler.Http;
using Reconciler.Store;
using Reconciler.Store.Replicas;

namespace Reconciler.Health;

/// <summary>
/// <c>GET /readyz</c>: whether this server should take traffic — the database answers, every migration this
/// build carries is applied, and the feed is not stalled. <c>GET /healthz</c> stays the liveness view.
/// </summary>
public static class ReadinessChecks
{
    public const string Path = "/readyz";
    private const string Ready = "ready";

    public static IServiceCollection AddReadinessChecks(this IServiceCollection services, NpgsqlDataSource dataSource, ReplicaOptions replicas)
    {
        var checks = services.AddHealthChecks()
            .AddNpgSql(_ => dataSource, name: "database", tags: [Ready], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<MigrationsCheck>("migrations", tags: [Ready])
            .AddCheck<FeedCheck>("feed", tags: [Ready]);
        if (replicas.Connections.Count > 0)
        {
            checks.AddCheck<ReplicasCheck>("replicas", tags: [Ready]);
        }
        return services;
    }

    /// <summary>Healthy, Degraded or Unhealthy, and each check's verdict.</summary>
    public sealed record Readiness(string Status, IReadOnlyDictionary<string, CheckResult> Checks);

    /// <param name="Description">What the check found, or why it failed; null when it says nothing.</param>
    public sealed record CheckResult(
        string Status,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never), Description("What the check found, or why it failed; null when it says nothing")] string? Description,
        double DurationMs);

    /// <summary>
    /// An endpoint of its own (not MapHealthChecks), so that the OpenAPI document describes it from the type it writes.
    /// Like MapHealthChecks: 200 when healthy or degraded, 503 when unhealthy, never cached.
    /// </summary>
    public static IEndpointRouteBuilder MapReadinessChecks(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, ReadyAsync).Describe("getReadiness", "Readiness: whether this server should take traffic")
            .Produces<Readiness>().Produces<Readiness>(StatusCodes.Status503ServiceUnavailable).WithTags(ApiTags.Health).ReadsPrimary();
        return app;
    }

    private static async Task<IResult> ReadyAsync(HttpContext http, HealthCheckService checks, CancellationToken ct)
    {
        var report = await checks.CheckHealthAsync(check => check.Tags.Contains(Ready), ct);
        var body = new Readiness(
            report.Status.ToString(),
            report.Entries.ToDictionary(
                e => e.Key,
                e => new CheckResult(e.Value.Status.ToString(), e.Value.Description ?? e.Value.Exception?.Message, Math.Round(e.Value.Duration.TotalMilliseconds, 1))));
        http.Response.Headers.CacheControl = "no-store, no-cache";
        http.Response.Headers.Pragma = "no-cache";
        return TypedResults.Json(body, statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
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

/// <summary>
/// The read replicas as last checked: Degraded (still ready: the primary serves their reads) naming each replica that is
/// unreachable, not a standby, paused or past the maximum lag; Healthy with each one's lag otherwise.
/// </summary>
internal sealed class ReplicasCheck(ReadReplicas replicas) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var statuses = replicas.Statuses;
        var problems = statuses.Where(s => s.Problem(replicas.MaxLag) is not null).Select(s => $"{s.Name}: {s.Problem(replicas.MaxLag)}").ToList();
        return Task.FromResult(problems.Count > 0
            ? HealthCheckResult.Degraded($"reads go to the primary instead of {string.Join("; ", problems)}")
            : HealthCheckResult.Healthy(string.Join("; ", statuses.Select(s =>
                $"{s.Name}: {s.Lag?.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s behind"))));
    }
}

public sealed class ReadinessOptions
{
    /// <summary>An open transaction older than this holds the feed's safe point back: readers see nothing newer.</summary>
    public TimeSpan FeedStalledAfter { get; set; } = TimeSpan.FromSeconds(60);
}
