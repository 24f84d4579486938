using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Reconciler.IntegrationTests.Api;
using Reconciler.Telemetry;

namespace Reconciler.IntegrationTests.Telemetry;

/// <summary>
/// The product's OpenTelemetry setup, read back through in-memory exporters added to it: an ingest request is
/// a server span with the Npgsql commands beneath it, on a resource naming the service and the node; the
/// operator's metrics move (signals by status, ingest latency, conflicts opened by kind and severity, the
/// sampled open conflicts, HTTP server duration).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TelemetryTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly List<Activity> _spans = [];
    private readonly List<MetricSnapshot> _metrics = [];
    private TestDatabase _db = null!;
    private ApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(TelemetryTests));
        _server = await ApiServer.StartAsync(_db, nodeName: "telemetry-node", addServices: services => services
            .ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans))
            .ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(_metrics))
            .Configure<OperationalReadingsOptions>(readings => readings.Interval = TimeSpan.FromMilliseconds(500)));
        await _server.PutPolicyAsync(TestPolicies.Order());
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Given_the_product_telemetry_when_a_signal_is_ingested_then_its_request_span_holds_the_database_commands()
    {
        using var gateway = await _server.ClientWithRoleAsync("source", source: "payment-gateway");

        (await gateway.PostAsJsonAsync("/v1/signals", new { operationId = "otel-1", operationType = "order", signalId = "otel-s1", facet = "payment", state = "captured" }))
            .EnsureSuccessStatusCode();
        _server.Services.GetRequiredService<TracerProvider>().ForceFlush();

        Activity[] spans;
        lock (_spans)
        {
            spans = [.. _spans];
        }
        var request = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.DisplayName == "POST /v1/signals");
        Assert.Equal(200, request.GetTagItem("http.response.status_code"));
        var byId = spans.ToDictionary(s => s.SpanId);
        bool Beneath(Activity span)
        {
            for (var parent = span.ParentSpanId; byId.TryGetValue(parent, out var up); parent = up.ParentSpanId)
            {
                if (up == request)
                {
                    return true;
                }
            }
            return false;
        }
        var database = spans.Where(s => s.Source.Name == "Npgsql" && s.TraceId == request.TraceId).ToList();
        Assert.NotEmpty(database);
        Assert.All(database, span => Assert.True(Beneath(span), $"{span.DisplayName} is not beneath the request span"));
        Assert.Contains(spans, s => s.Source.Name == "Reconciler" && s.DisplayName == "ingest" && Beneath(s));

        var resource = _server.Services.GetRequiredService<TracerProvider>().GetResource().Attributes.ToDictionary(a => a.Key, a => a.Value);
        Assert.Equal("reconciler", resource["service.name"]);
        Assert.Equal("telemetry-node", resource["service.instance.id"]);
    }

    [Fact]
    public async Task Given_the_product_telemetry_when_signals_open_a_conflict_then_the_operators_metrics_move()
    {
        using var email = await _server.ClientWithRoleAsync("source", source: "email");
        // A state the policy lacks: an `unmodeled` conflict that stays open until an operator resolves it.
        foreach (var (signalId, state) in new[] { ("mail-1", "confirmation-sent"), ("mail-2", "carrier-pigeon-sent") })
        {
            var response = await email.PostAsJsonAsync("/v1/signals", new { operationId = "otel-2", operationType = "order", signalId, facet = "notification", state });
            response.EnsureSuccessStatusCode();
        }
        const string kind = "unmodeled";

        var meters = _server.Services.GetRequiredService<MeterProvider>();
        var open = await ApiCalls.EventuallyAsync(() =>
        {
            meters.ForceFlush();
            return Task.FromResult(Sum("reconciler.conflicts.open", ("kind", kind)));
        }, sum => sum >= 1, TimeSpan.FromSeconds(40));

        Assert.True(open >= 1, "the sampled open conflicts never counted the conflict");
        Assert.True(Sum("reconciler.conflicts.opened", ("kind", kind), ("severity", "medium")) >= 1);
        Assert.True(Sum("reconciler.signals.judged") >= 2);
        Assert.True(HistogramCount("reconciler.ingest.duration") >= 2);
        Assert.True(HistogramCount("http.server.request.duration") >= 2);
    }

    private double Sum(string name, params (string Key, string Value)[] tags)
    {
        lock (_metrics)
        {
            // The exporter keeps a snapshot per export; the last one of a metric holds the cumulative values.
            var metric = _metrics.LastOrDefault(m => m.Name == name);
            return metric is null ? 0 : metric.MetricPoints.Where(p => tags.All(t => HasTag(p, t.Key, t.Value))).Sum(point => metric.MetricType switch
            {
                MetricType.LongGauge => point.GetGaugeLastValueLong(),
                MetricType.DoubleGauge => point.GetGaugeLastValueDouble(),
                MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
                _ => point.GetSumDouble(),
            });
        }
    }

    private long HistogramCount(string name)
    {
        lock (_metrics)
        {
            var metric = _metrics.LastOrDefault(m => m.Name == name);
            return metric is null ? 0 : metric.MetricPoints.Sum(point => point.GetHistogramCount());
        }
    }

    private static bool HasTag(MetricPoint point, string key, string value)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key && Equals(tag.Value, value))
            {
                return true;
            }
        }
        return false;
    }
}
