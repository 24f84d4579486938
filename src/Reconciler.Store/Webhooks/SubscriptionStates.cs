using Npgsql;

namespace Reconciler.Store.Webhooks;

/// <summary>A subscription as the webhook worker watches it: its status and the revision each change moves.</summary>
public sealed record SubscriptionState(int Id, string Name, string Status, int Revision);

/// <summary>The <c>webhook_subscriptions</c> rows the webhook worker starts, stops and reloads runners by.</summary>
public sealed class SubscriptionStates(NpgsqlDataSource dataSource)
{
    public async Task<List<SubscriptionState>> ListAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT subscription_id, name, status, revision FROM webhook_subscriptions");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<SubscriptionState>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new SubscriptionState(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }
        return rows;
    }
}
