using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Reconciler.Cluster;
using Reconciler.Telemetry;

namespace Reconciler.Hosting;

/// <summary>
/// OpenTelemetry through the host: traces of ASP.NET Core requests, outgoing HTTP (webhooks), Npgsql commands
/// and our own spans; metrics of the same plus the runtime and <see cref="ReconcilerTelemetry"/>; logs.
/// They leave the process only when OTEL_EXPORTER_OTLP_ENDPOINT says where to (the standard OTEL_*
/// variables configure the exporter).
/// </summary>
public static class TelemetrySetup
{
    public const string ServiceName = "reconciler";

    public static IServiceCollection AddReconcilerTelemetry(this IServiceCollection services, NodeIdentity node)
    {
        services.AddSingleton<OperationalReadings>();
        services.AddHostedService(provider => provider.GetRequiredService<OperationalReadings>());
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceInstanceId: node.Name)
                .AddAttributes([new("reconciler.node", node.Name)]))
            .WithTracing(tracing => tracing
                .AddSource(ReconcilerTelemetry.Name)
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = http => !http.Request.Path.StartsWithSegments("/healthz"))
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(ReconcilerTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation())
            .WithLogging();
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            telemetry.UseOtlpExporter();
        }
        return services;
    }
}
