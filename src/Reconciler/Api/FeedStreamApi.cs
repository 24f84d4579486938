using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Reconciler.Store.Feed;
using Reconciler.Store;

namespace Reconciler.Api;

/// <summary>
/// <c>GET /v1/feed/stream</c>: the feed as server-sent events. Each item is <c>id:</c> its cursor,
/// <c>event:</c> its type, <c>data:</c> the feed item JSON; a reconnecting client sends
/// <c>Last-Event-ID</c> and resumes right after that item. A comment line keeps idle connections alive.
/// </summary>
public static class FeedStreamApi
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private const int PageSize = 500;

    public static async Task<IResult> StreamAsync(
        HttpContext http, string? after, string? types, FeedReader reader, EventStore store, IHostApplicationLifetime lifetime, CancellationToken ct)
    {
        var lastEventId = http.Request.Headers["Last-Event-ID"].ToString();
        var (cursor, cursorProblem) = string.IsNullOrEmpty(lastEventId)
            ? await FeedApi.ParseCursorAsync(after, "after", store, ct)
            : await FeedApi.ParseCursorAsync(lastEventId, "Last-Event-ID", store, ct);
        if (cursorProblem is not null)
        {
            return cursorProblem;
        }
        var (typeList, typesProblem) = FeedApi.ParseTypes(types);
        if (typesProblem is not null)
        {
            return typesProblem;
        }

        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        // The server's shutdown ends the stream too, instead of waiting for the client to hang up.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping);
        var token = stop.Token;
        try
        {
            await WriteAsync(response, "retry: 2000\n\n", token);
            while (!token.IsCancellationRequested)
            {
                var page = await reader.ReadAsync(cursor, PageSize, typeList, KeepAlive, token);
                if (page.Events.Count == 0)
                {
                    await WriteAsync(response, ": keep-alive\n\n", token);
                }
                else
                {
                    var text = new StringBuilder();
                    foreach (var e in page.Events)
                    {
                        var item = FeedApi.ToItem(e);
                        text.Append("id: ").Append(item.Cursor).Append('\n')
                            .Append("event: ").Append(item.Type).Append('\n')
                            .Append("data: ").Append(JsonSerializer.Serialize(item, ApiJson.Options)).Append("\n\n");
                    }
                    await WriteAsync(response, text.ToString(), token);
                }
                cursor = page.Next;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client went away or the server is stopping: the stream simply ends.
        }
        catch (IOException)
        {
            // The connection broke mid-write.
        }
        return Results.Empty;
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
        await response.Body.FlushAsync(ct);
    }
}
