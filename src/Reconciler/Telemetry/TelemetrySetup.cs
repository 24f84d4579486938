using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Reconciler.Telemetry;

/// <summary>Traces and metrics leave the process only when OTEL_EXPORTER_OTLP_ENDPOINT says where to.</summary>
public static class TelemetrySetup
{
    public static IServiceCollection AddReconcilerTelemetry(this IServiceCollection services)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            return services;
        }
        // The providers live as long as the host's container, which disposes (and flushes) them at stop.
        services.AddSingleton(_ => Sdk.CreateTracerProviderBuilder().AddSource(ReconcilerTelemetry.Name).AddOtlpExporter().Build());
        services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder().AddMeter(ReconcilerTelemetry.Name).AddOtlpExporter().Build());
        services.AddHostedService<TelemetryStarter>();
        return services;
    }

    /// <summary>Resolves the providers at start, so they listen from the first request on.</summary>
    private sealed class TelemetryStarter(TracerProvider tracer, MeterProvider meter) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            tracer.ForceFlush();
            meter.ForceFlush();
            return Task.CompletedTask;
        }
    }
}
