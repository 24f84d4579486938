using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Reconciler.Telemetry;

namespace Reconciler.Webhooks;

/// <summary>
/// Webhook metrics on the product's one meter (<c>Reconciler</c>), each tagged with the subscription:
/// deliveries, failed attempts, parked deliveries, disabled subscriptions, attempt durations, and the lag of
/// the subscriptions this server delivers (events and seconds behind the feed).
/// </summary>
public static class WebhookMetrics
{
    private static readonly Counter<long> Deliveries = ReconcilerTelemetry.Meter.CreateCounter<long>(
        "reconciler.webhooks.deliveries", description: "Webhook deliveries answered with a 2xx");
    private static readonly Counter<long> Failures = ReconcilerTelemetry.Meter.CreateCounter<long>(
        "reconciler.webhooks.failures", description: "Webhook attempts that failed, by status (or timeout/error)");
    private static readonly Counter<long> ParkedDeliveries = ReconcilerTelemetry.Meter.CreateCounter<long>(
        "reconciler.webhooks.parked", description: "Webhook deliveries parked after their last attempt");
    private static readonly Counter<long> DisabledSubscriptions = ReconcilerTelemetry.Meter.CreateCounter<long>(
        "reconciler.webhooks.disabled", description: "Subscriptions disabled by a 410 Gone or by 24 hours of failures");
    private static readonly Histogram<double> AttemptDuration = ReconcilerTelemetry.Meter.CreateHistogram<double>(
        "reconciler.webhooks.attempt.duration", "ms", "Time of one webhook attempt, to the answer's headers");

    private static readonly ConcurrentDictionary<string, (long Events, double Seconds)> Lags = new(StringComparer.Ordinal);

    static WebhookMetrics()
    {
        ReconcilerTelemetry.Meter.CreateObservableGauge("reconciler.webhooks.lag.events",
            () => Lags.Select(l => new Measurement<long>(l.Value.Events, new KeyValuePair<string, object?>("subscription", l.Key))),
            description: "Matching feed events a subscription has not passed yet");
        ReconcilerTelemetry.Meter.CreateObservableGauge("reconciler.webhooks.lag.seconds",
            () => Lags.Select(l => new Measurement<double>(l.Value.Seconds, new KeyValuePair<string, object?>("subscription", l.Key))),
            "s", "Age of the oldest matching feed event a subscription has not passed yet");
    }

    public static void Attempted(string subscription, AttemptResult result, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("subscription", subscription);
        AttemptDuration.Record(duration.TotalMilliseconds, tag);
        if (result.Succeeded)
        {
            Deliveries.Add(1, tag);
        }
        else
        {
            Failures.Add(1, tag, new KeyValuePair<string, object?>("status", result.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "error"));
        }
    }

    public static void Parked(string subscription) => ParkedDeliveries.Add(1, new KeyValuePair<string, object?>("subscription", subscription));

    public static void Disabled(string subscription, string reason) =>
        DisabledSubscriptions.Add(1, new KeyValuePair<string, object?>("subscription", subscription), new KeyValuePair<string, object?>("reason", reason));

    public static void Lag(string subscription, long events, double seconds) => Lags[subscription] = (events, seconds);

    public static void Forget(string subscription) => Lags.TryRemove(subscription, out _);
}
