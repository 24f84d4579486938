using System.Text.Json;
using Reconciler.IntegrationTests.Api;
using Reconciler.Store.Replicas;

namespace Reconciler.IntegrationTests.Replicas;

/// <summary>Reads through a server with read replicas, and what its answers say about where they came from.</summary>
public static class ReplicaReads
{
    public const string ReadFrom = "Reconciler-Read-From";
    public const string Lag = "Reconciler-Replica-Lag";

    /// <summary>A GET (with a consistency token when given): where it was read, the replica's lag if any, and the body.</summary>
    public static async Task<(string From, double? Lag, JsonElement Body)> GetAsync(HttpClient client, string path, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Add(ConsistencyToken.Header, token);
        }
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        double? lag = response.Headers.TryGetValues(Lag, out var lags) ? double.Parse(lags.Single(), System.Globalization.CultureInfo.InvariantCulture) : null;
        return (Assert.Single(response.Headers.GetValues(ReadFrom)), lag, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Until the server's first check of the replica, reads go to the primary.</summary>
    public static async Task WaitUntilReplicaServesAsync(ApiServer server, string replica = "replica-1")
    {
        var from = await ApiCalls.EventuallyAsync(async () => (await GetAsync(server.Admin, "/v1/sources")).From, f => f == replica, TimeSpan.FromSeconds(15));
        Assert.Equal(replica, from);
    }
}
