using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;
using Reconciler.Http;
using Reconciler.Responses;
using Reconciler.Store;
using Reconciler.Store.Feed;
using static Reconciler.Api.FeedApi;

namespace Reconciler.Api;

/// <summary>
/// <c>GET /v1/feed/stream</c>: the feed as server-sent events (<see cref="TypedResults.ServerSentEvents{T}(IAsyncEnumerable{SseItem{T}})"/>).
/// Each item is <c>id:</c> its cursor, <c>event:</c> its type, <c>data:</c> the feed item JSON; a reconnecting
/// client sends <c>Last-Event-ID</c> and resumes right after that item. A comment line keeps idle connections alive.
/// </summary>
public static class FeedStreamApi
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private const int PageSize = 500;

    public static async Task<IResult> StreamAsync(
        HttpContext http, string? after, string? types, [FromHeader(Name = "Last-Event-ID")] string? lastEventId,
        FeedReader reader, EventStore store, IHostApplicationLifetime lifetime, CancellationToken ct)
    {
        var (cursor, cursorProblem) = string.IsNullOrEmpty(lastEventId)
            ? await ParseCursorAsync(after, "after", store, ct)
            : await ParseCursorAsync(lastEventId, "Last-Event-ID", store, ct);
        if (cursorProblem is not null)
        {
            return cursorProblem;
        }
        var (typeList, typesProblem) = ParseTypes(types);
        if (typesProblem is not null)
        {
            return typesProblem;
        }
        http.Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(ItemsAsync(http.Response, cursor, typeList, reader, lifetime, ct));
    }

    private static async IAsyncEnumerable<SseItem<FeedItem>> ItemsAsync(
        HttpResponse response, FeedCursor cursor, IReadOnlyCollection<string>? types, FeedReader reader, IHostApplicationLifetime lifetime,
        [EnumeratorCancellation] CancellationToken ct)
    {
        // The server's shutdown ends the stream too, instead of waiting for the client to hang up.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping);
        var token = stop.Token;
        // Sent at once, so the client has the headers and the reconnection delay before the first event.
        if (!await WriteRawAsync(response, "retry: 2000\n\n", token))
        {
            yield break;
        }
        while (!token.IsCancellationRequested)
        {
            FeedPage page;
            try
            {
                page = await reader.ReadAsync(cursor, PageSize, types, KeepAlive, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                yield break;
            }
            // SseItem has no comment lines; between items the formatter has flushed everything, so the
            // keep-alive comment goes straight to the body.
            if (page.Events.Count == 0 && !await WriteRawAsync(response, ": keep-alive\n\n", token))
            {
                yield break;
            }
            foreach (var e in page.Events)
            {
                var item = FeedItem.Of(e);
                yield return new SseItem<FeedItem>(item, item.Type) { EventId = item.Cursor };
            }
            cursor = page.Next;
        }
    }

    /// <summary>False when the client left or the server is stopping: the stream simply ends.</summary>
    private static async Task<bool> WriteRawAsync(HttpResponse response, string text, CancellationToken ct)
    {
        try
        {
            await response.Body.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct);
            await response.Body.FlushAsync(ct);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return false;
        }
    }
}
