using System.Diagnostics.Metrics;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary>
/// A conflict storm provoked for real: 2,000 operations miss the same deadline. The storm is raised once (on the system
/// stream, in GET /v1/storms, in the metric), the webhook receiver gets the conflicts before it and the storm notification
/// instead of the rest, and every conflict is still recorded and queryable.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConflictStormTests(WebhookFixture fixture) : IClassFixture<WebhookFixture>
{
    private const string Type = "wh-storm";
    private const int Operations = 2_000;
    private const int Threshold = 500;

    [Fact]
    public async Task Given_two_thousand_operations_missing_one_deadline_when_their_conflicts_open_then_one_storm_replaces_their_webhooks()
    {
        await fixture.Server.PutPolicyAsync(TestPolicies.Order(type: Type, ledgerWithin: "PT2S", journeyWithin: "PT1H"));
        await using var receiver = await WebhookReceiver.StartAsync();
        await fixture.CreateAsync(new { name = "storm-watch", url = receiver.Url, operationTypes = new[] { Type }, types = new[] { "ConflictOpened" } });
        using var started = new StormMeter(Type);
        try
        {
            var gateway = await fixture.SourceAsync("payment-gateway");
            foreach (var chunk in Enumerable.Range(0, Operations).Chunk(1000))
            {
                await ApiCalls.SendAsync(gateway, ApiCalls.Batch(chunk.Select(i => ApiCalls.Signal($"storm-{i}", $"storm-{i}-p", "payment", "captured", Type))));
            }

            // Every operation misses its ledger: 2,000 missing conflicts, recorded one by one.
            var conflicts = await ApiCalls.EventuallyAsync(() => CountConflictsAsync(), n => n == Operations, TimeSpan.FromSeconds(60));
            Assert.Equal(Operations, conflicts);

            var storms = await ApiCalls.EventuallyAsync(() => ApiCalls.GetJsonAsync(fixture.Admin, "/v1/storms"),
                s => s.GetProperty("items").EnumerateArray().Any(x => x.GetProperty("operationType").GetString() == Type && x.GetProperty("count").GetInt64() == Operations),
                TimeSpan.FromSeconds(30));
            var storm = Assert.Single(storms.GetProperty("items").EnumerateArray(), x => x.GetProperty("operationType").GetString() == Type);
            Assert.Equal(("missing", "active", Threshold), (storm.GetProperty("kind").GetString(), storm.GetProperty("status").GetString(), storm.GetProperty("threshold").GetInt32()));
            Assert.Equal(["erp", "payment-gateway"], storm.GetProperty("sources").EnumerateArray().Select(s => s.GetString()));

            // A later conflict of another kind is delivered after everything before it was read: then the held ones are settled.
            await fixture.SendAsync(Type, "storm-marker", "storm-marker-1", "payment", "authorized");
            await fixture.SendAsync(Type, "storm-marker", "storm-marker-2", "payment", "refunded");
            var received = await receiver.WaitForAsync(r => r.Any(x => x.OperationId == "storm-marker") && r.Any(x => x.Type == "ConflictStormStarted")
                && r.Count(x => x.Type == "ConflictOpened" && x.OperationId.StartsWith("storm-", StringComparison.Ordinal) && x.OperationId != "storm-marker") >= Threshold,
                "the storm notification and the marker", TimeSpan.FromSeconds(60));
            await Task.Delay(1000);
            received = receiver.Delivered;

            var missing = received.Where(x => x.Type == "ConflictOpened" && x.OperationId != "storm-marker").Select(x => x.WebhookId).Distinct().Count();
            Assert.Equal(Threshold, missing);
            var notification = Assert.Single(received.Where(x => x.Type == "ConflictStormStarted").Select(x => x.Item).DistinctBy(i => i.GetProperty("eventId").GetString()));
            Assert.Equal(("$system", Type, "missing", Threshold + 1L), (notification.GetProperty("operationId").GetString(),
                notification.GetProperty("data").GetProperty("operationType").GetString(), notification.GetProperty("data").GetProperty("kind").GetString(),
                notification.GetProperty("data").GetProperty("count").GetInt64()));

            var feed = await ApiCalls.GetJsonAsync(fixture.Admin, "/v1/feed?types=ConflictStormStarted&limit=100");
            Assert.Single(feed.GetProperty("items").EnumerateArray(), i => i.GetProperty("data").GetProperty("operationType").GetString() == Type);
            Assert.Equal(1, started.Count);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await fixture.Admin.GetAsync("/v1/operations/$system/events")).StatusCode);
        }
        finally
        {
            await fixture.DeleteAsync("storm-watch");
        }
    }

    private async Task<int> CountConflictsAsync()
    {
        var total = 0;
        string? cursor = null;
        do
        {
            var page = await ApiCalls.GetJsonAsync(fixture.Admin, $"/v1/conflicts?operationType={Type}&kind=missing&limit=1000" + (cursor is null ? "" : "&cursor=" + cursor));
            total += page.GetProperty("items").GetArrayLength();
            cursor = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return total;
    }

    /// <summary>Counts the storms started for one operation type, as the server's meter reports them (it runs in this process).</summary>
    private sealed class StormMeter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _count;

        public StormMeter(string operationType)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Reconciler" && instrument.Name == "reconciler.conflict_storms.started")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "operation_type" && (string?)tag.Value == operationType)
                    {
                        Interlocked.Add(ref _count, (int)value);
                    }
                }
            });
            _listener.Start();
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
