using Reconciler.Store.Inbound;

namespace Reconciler.Inbound;

/// <summary>What a replay did: under which version, how many it mapped again, ingested and left in quarantine, and how many still wait there.</summary>
public sealed record ReplayAnswer(string Source, int MappingVersion, int Replayed, int Ingested, int StillQuarantined, long Remaining, IReadOnlyList<DeliveryOutcome> Items);

/// <summary>
/// Maps quarantined deliveries again under the source's newest mapping, oldest first, at most <see cref="MaxReplay"/>
/// per call (the API's replay and the console's button). Ingesting is idempotent by signal id, so a replay that
/// runs twice at once only makes duplicates.
/// </summary>
public sealed class QuarantineReplay(InboundMappings mappings, InboundDeliveryTable deliveries, InboundReceiver receiver)
{
    public const int MaxReplay = 1000;

    /// <summary>Null when the source has no mapping.</summary>
    public async Task<ReplayAnswer?> ReplayAsync(string source, IReadOnlyList<long>? deliveryIds, CancellationToken ct)
    {
        var version = await mappings.GetAsync(source, null, ct);
        if (version is null)
        {
            return null;
        }
        var rows = await deliveries.QuarantinedAsync(source, deliveryIds, MaxReplay, ct);
        var mapper = new PayloadMapper(version.Mapping.Rules);
        var outcomes = new List<DeliveryOutcome>(rows.Count);
        foreach (var row in rows)
        {
            outcomes.Add(await receiver.ReplayAsync(version, mapper, row, ct));
        }
        var ingested = outcomes.Count(o => o.Status == DeliveryStatus.Replayed);
        var stillQuarantined = outcomes.Count - ingested;
        return new ReplayAnswer(source, version.Version, outcomes.Count, ingested, stillQuarantined,
            Math.Max(0, await deliveries.QuarantineCountAsync(source, ct) - stillQuarantined), outcomes);
    }
}
