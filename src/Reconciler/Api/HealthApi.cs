using Reconciler.Api.OpenApi;
using Reconciler.Cluster;
using Reconciler.Http;
using Reconciler.Store;

namespace Reconciler.Api;

public static class HealthApi
{
    public sealed record Health(string Status, string Database, double? OldestTransactionAgeSeconds, string? Problem, NodeHealth Node, FeedLag? Feed = null);

    /// <summary>This server: its node name, the leases it holds (with their epochs), the live nodes it counts, and writes its fence refused.</summary>
    public sealed record NodeHealth(string Name, IReadOnlyList<HeldLeaseView> Leases, int LiveNodes, long FencedWrites);

    public sealed record HeldLeaseView(string Name, long Epoch);

    /// <summary>
    /// How far the feed's safe point trails the writers: transactions started but not yet readable, and the
    /// age of the oldest open one (which holds it back). <c>Listener</c>: the LISTEN connection that wakes long polls.
    /// </summary>
    public sealed record FeedLag(long LagTransactions, double LagSeconds, string SafePoint, string Listener);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", CheckAsync).Describe("getHealth", "Liveness: this server and its database")
            .Produces<Health>().Produces<Health>(StatusCodes.Status503ServiceUnavailable).WithTags(ApiTags.Health).ReadsPrimary();
        return app;
    }

    /// <summary>No authentication: load balancers and orchestrators call it. 503 when the database does not answer.</summary>
    private static async Task<IResult> CheckAsync(EventStore store, Store.Feed.FeedNotifier notifier, LeaseKeeper keeper, CancellationToken ct)
    {
        var node = new NodeHealth(keeper.Node.Name, [.. keeper.Held.Select(l => new HeldLeaseView(l.Name, l.Epoch))], keeper.LiveNodes, keeper.FencedWrites);
        try
        {
            var feed = await store.GetFeedHealthAsync(ct);
            var lag = new FeedLag(
                (long)(feed.NextTransactionId - feed.SafeTransactionId), feed.OldestTransactionAge?.TotalSeconds ?? 0,
                new FeedCursor(feed.SafeTransactionId, 0).Encode(), notifier.IsListening ? "listening" : "reconnecting");
            return TypedResults.Ok(new Health("ok", "ok", feed.OldestTransactionAge?.TotalSeconds, null, node, lag));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Whatever keeps the database from answering (a broken pooled connection after a pause, a timeout),
            // the answer is 503 with the reason, never a 500: load balancers act on this endpoint.
            return TypedResults.Json(new Health("unavailable", "unreachable", null, e.Message, node), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
