using System.Text;
using Reconciler.Core.Judging;
using Reconciler.Ingest;
using Reconciler.Store.Inbound;

namespace Reconciler.Inbound;

/// <summary>
/// What became of one delivery: <c>ingested</c> with its signals' results (as <c>POST /v1/signals</c> answers them), or
/// <c>quarantined</c> with the reason (and the field whose expression failed). A quarantined delivery may carry results
/// too: when the mapping worked but a signal was rejected (no policy for its type yet), it is kept for a replay.
/// </summary>
public sealed record DeliveryOutcome(long DeliveryId, string Status, int? Rule = null, string? Reason = null, string? Field = null, IReadOnlyList<SignalResult>? Results = null);

/// <summary>
/// The one way a delivery becomes signals, for a new delivery and for a replay alike: map it, record it (so that its
/// signals' metadata can name it), ingest its signals through <see cref="IngestPipeline"/> — the one write path, with
/// the same idempotency by signal id — and settle its row. Nothing acknowledged is dropped: a delivery that does not
/// map, or one of whose signals is rejected, stays whole in the quarantine.
/// </summary>
public sealed class InboundReceiver(InboundDeliveryTable deliveries, IngestPipeline ingest)
{
    /// <summary>Maps and ingests a verified payload; <paramref name="stored"/> is kept as received (a CloudEvent in structured form).</summary>
    public async Task<DeliveryOutcome> ReceiveAsync(MappingVersion version, PayloadMapper mapper, ReadOnlyMemory<byte> stored, string? contentType, CancellationToken ct)
    {
        var outcome = Map(mapper, stored, version.Version);
        var (status, reason, field) = outcome is NotMapped failed ? (DeliveryStatus.Quarantined, failed.Reason, failed.Field) : (DeliveryStatus.Received, null, null);
        var id = await deliveries.InsertAsync(version.Source, version.Version, status, contentType, stored, reason, field, ct);
        return outcome is MappedSignals mapped
            ? await IngestAsync(id, version, mapped, replay: false, ct)
            : new DeliveryOutcome(id, DeliveryStatus.Quarantined, null, reason, field);
    }

    /// <summary>Maps a quarantined delivery again under <paramref name="version"/> (the newest) and ingests it when it maps now.</summary>
    public async Task<DeliveryOutcome> ReplayAsync(MappingVersion version, PayloadMapper mapper, DeliveryRow row, CancellationToken ct)
    {
        var outcome = Map(mapper, row.Payload, version.Version);
        if (outcome is NotMapped failed)
        {
            await deliveries.SettleAsync(row.DeliveryId, DeliveryStatus.Quarantined, version.Version, 0, failed.Reason, failed.Field, replay: true, ct);
            return new DeliveryOutcome(row.DeliveryId, DeliveryStatus.Quarantined, null, failed.Reason, failed.Field);
        }
        var result = await IngestAsync(row.DeliveryId, version, (MappedSignals)outcome, replay: true, ct);
        return result.Status == DeliveryStatus.Ingested ? result with { Status = DeliveryStatus.Replayed } : result;
    }

    private async Task<DeliveryOutcome> IngestAsync(long id, MappingVersion version, MappedSignals mapped, bool replay, CancellationToken ct)
    {
        var origin = new SignalOrigin(version.Version, id, null, null);
        var results = await ingest.IngestAsync(version.Source, [.. mapped.Signals.Select(s => s with { Origin = origin })], ct);
        var rejected = results.FirstOrDefault(r => r.Status == SignalStatuses.Rejected);
        if (rejected is not null)
        {
            var reason = $"signal {rejected.Index} of {results.Count} ({mapped.Signals[rejected.Index].SignalId}) was rejected: {rejected.Problem!.Detail} " +
                "The delivery is kept; replay it once that is fixed (its other signals come back as duplicates).";
            await deliveries.SettleAsync(id, DeliveryStatus.Quarantined, version.Version, results.Count, reason, null, replay, ct);
            return new DeliveryOutcome(id, DeliveryStatus.Quarantined, mapped.Rule, reason, null, results);
        }
        var status = replay ? DeliveryStatus.Replayed : DeliveryStatus.Ingested;
        await deliveries.SettleAsync(id, status, version.Version, results.Count, null, null, replay, ct);
        return new DeliveryOutcome(id, DeliveryStatus.Ingested, mapped.Rule, null, null, results);
    }

    /// <summary>The payload mapped; one that is not JSON maps to nothing (only a stored CloudEvent or JSON body is replayed).</summary>
    private static MappingOutcome Map(PayloadMapper mapper, ReadOnlyMemory<byte> payload, int version)
    {
        var (token, problem) = MappingExpressions.ParseJson(Encoding.UTF8.GetString(payload.Span));
        return token is null
            ? new NotMapped(null, $"the payload is not JSON: {problem}")
            : mapper.Map(token, new SignalOrigin(version, null, null, null));
    }
}

