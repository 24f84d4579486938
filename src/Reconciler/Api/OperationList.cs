using System.ComponentModel.DataAnnotations;
using Reconciler.Store;
using Reconciler.Store.Operations;
using Reconciler.Http;

namespace Reconciler.Api;

/// <summary>
/// <c>GET /v1/operations</c>: newest first (by creation), filtered, paged by an opaque cursor (<see cref="OperationQuery"/>).
/// </summary>
public static class OperationList
{
    public sealed record Page(IReadOnlyList<OperationSummary> Items, string? Next);

    public static async Task<IResult> ListAsync(
        string? outcome, string? health, string? operationType, string? cursor, [Range(1, Paging.MaxLimit)] int? limit, OperationQuery operations, CancellationToken ct)
    {
        FeedCursor? before = null;
        if (cursor is not null)
        {
            if (!FeedCursor.TryDecode(cursor, out var decoded))
            {
                return Paging.InvalidCursor();
            }
            before = decoded;
        }
        if (Paging.CheckLimit(limit) is { } invalidLimit)
        {
            return invalidLimit;
        }
        var (items, next) = await operations.ReadPageAsync(outcome, health, operationType, before, limit ?? Paging.DefaultLimit, ct);
        return TypedResults.Ok(new Page(items, next?.Encode()));
    }
}
