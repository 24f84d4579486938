using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Cluster;
using Reconciler.Store.Cluster;

namespace Reconciler.Api;

/// <summary>
/// <c>GET /v1/cluster</c> (admin): the servers sharing this database and which holds which lease
/// (docs/scaling.md). Statuses come from the database's clock: a node is <c>live</c> while its heartbeat is
/// younger than the lease time to live, <c>stale</c> after, <c>left</c> once it stopped cleanly.
/// </summary>
public static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/cluster", GetAsync).Describe("getCluster", "The servers sharing the database and the leases they hold").WithTags(ApiTags.Cluster).Answers<ClusterView>(StatusCodes.Status200OK).RequireRole([Roles.Admin]);
        return app;
    }

    private static async Task<IResult> GetAsync(NodeTable nodes, LeaseTable leases, LeaseKeeper keeper, CancellationToken ct) =>
        TypedResults.Ok(await ClusterView.ReadAsync(nodes, leases, keeper, ct));
}
