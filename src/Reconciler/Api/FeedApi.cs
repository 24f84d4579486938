using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Core.Events;
using Reconciler.Core.Storms;
using Reconciler.Store;
using Reconciler.Store.Feed;
using Reconciler.Http;
using Reconciler.Responses;

namespace Reconciler.Api;

/// <summary>
/// <c>GET /v1/feed</c>: events in commit order after an opaque cursor, long-polling when there are none;
/// <c>GET /v1/feed/stream</c> (<see cref="FeedStreamApi"/>) is the same as server-sent events.
/// </summary>
public static class FeedApi
{
    public const int DefaultLimit = 100;
    public const int MaxWaitSeconds = 60;

    public sealed record FeedResponse(IReadOnlyList<FeedItem> Items, string Next);

    public static IEndpointRouteBuilder MapFeedApi(this IEndpointRouteBuilder app)
    {
        var feed = app.MapGroup("/v1/feed").WithTags(ApiTags.Feed);
        feed.MapGet("", GetFeed).Describe("readFeed", "Events after a cursor in commit order; waits for one when asked (long poll)")
            .Answers<FeedResponse>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest).RequireRole(Roles.Readers).ReadsAfterCursor();
        feed.MapGet("/stream", FeedStreamApi.StreamAsync).Describe("streamFeed", "The feed as server-sent events; Last-Event-ID resumes")
            .AlsoAnswers(StatusCodes.Status200OK, "text/event-stream",
                "Server-sent events that do not end: for each item 'id:' its cursor, 'event:' its type and 'data:' the FeedItem as JSON on one line; a ': keep-alive' comment after 15 s without events.",
                text: false)
            .WithHeader(StatusCodes.Status200OK, "Cache-Control", "no-cache")
            .Problems(StatusCodes.Status400BadRequest).RequireRole(Roles.Readers).ReadsAfterCursor();
        return app;
    }

    private static async Task<IResult> GetFeed(
        string? after, string? types, [Range(1, Paging.MaxLimit)] int? limit, [Range(0, MaxWaitSeconds)] double? waitSeconds, FeedReader reader, EventStore store, CancellationToken ct)
    {
        var (cursor, cursorProblem) = await ParseCursorAsync(after, "after", store, ct);
        if (cursorProblem is not null)
        {
            return cursorProblem;
        }
        var (typeList, typesProblem) = ParseTypes(types);
        if (typesProblem is not null)
        {
            return typesProblem;
        }
        if (Paging.CheckLimit(limit, Paging.MaxLimit, DefaultLimit) is { } invalidLimit)
        {
            return invalidLimit;
        }
        if (waitSeconds is < 0 or > MaxWaitSeconds || waitSeconds is double w && double.IsNaN(w))
        {
            return Problems.BadRequest("invalid-wait", $"waitSeconds must be 0..{MaxWaitSeconds}; leave it out to answer at once.");
        }
        var page = await reader.ReadAsync(cursor, limit ?? DefaultLimit, typeList, TimeSpan.FromSeconds(waitSeconds ?? 0), ct);
        return TypedResults.Ok(new FeedResponse(page.Events.Select(FeedItem.Of).ToList(), page.Next.Encode()));
    }

    /// <summary>No cursor = from the start; <c>end</c> = only events committed from now on; else a cursor from an earlier page.</summary>
    public static async Task<(FeedCursor Cursor, IResult? Problem)> ParseCursorAsync(string? text, string name, EventStore store, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(text))
        {
            return (FeedCursor.Start, null);
        }
        if (text == "end")
        {
            return (await store.GetEndCursorAsync(ct), null);
        }
        return FeedCursor.TryDecode(text, out var cursor)
            ? (cursor, null)
            : (default, Problems.BadRequest("invalid-cursor",
                $"{name} must be a 'next' or item 'cursor' value from an earlier answer, 'end' for only new events, or left out to start from the beginning."));
    }

    /// <summary>A comma-separated list of event type names; null = every type.</summary>
    public static (IReadOnlyCollection<string>? Types, IResult? Problem) ParseTypes(string? types)
    {
        if (string.IsNullOrWhiteSpace(types))
        {
            return (null, null);
        }
        var names = types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        var unknown = names.Where(n => !EventCodec.TypeNames.Contains(n) && !SystemEventCodec.TypeNames.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            return (null, Problems.BadRequest("unknown-event-type",
                $"Unknown event type(s) {string.Join(", ", unknown)}; use any of {string.Join(", ", EventCodec.TypeNames.Concat(SystemEventCodec.TypeNames).Order(StringComparer.Ordinal))}."));
        }
        return (names, null);
    }
}
