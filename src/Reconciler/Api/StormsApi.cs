using System.ComponentModel.DataAnnotations;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Store.Storms;
using Reconciler.Http;

namespace Reconciler.Api;

/// <summary><c>GET /v1/storms?status=active|ended&amp;limit=</c>: conflict storms, newest first (the storm records; their events are on the feed).</summary>
public static class StormsApi
{
    public sealed record StormsResponse(IReadOnlyList<StormView> Items);

    public static IEndpointRouteBuilder MapStormsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/storms", ListAsync).Describe("listStorms", "Conflict storms, newest first").WithTags(ApiTags.Storms).Answers<StormsResponse>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest).RequireRole(Roles.Readers);
        return app;
    }

    private static async Task<IResult> ListAsync(string? status, [Range(1, Paging.MaxLimit)] int? limit, StormStore storms, CancellationToken ct)
    {
        if (status is not (null or "active" or "ended"))
        {
            return Problems.BadRequest("invalid-query", $"status must be active or ended, not '{status}'.", Problems.Field("status"));
        }
        if (Paging.CheckLimit(limit) is { } invalidLimit)
        {
            return invalidLimit;
        }
        return TypedResults.Ok(new StormsResponse(await storms.ListAsync(status, limit ?? Paging.DefaultLimit, ct)));
    }
}
