using Reconciler.Store;
using Reconciler.Store.Replicas;

namespace Reconciler.Http;

/// <summary>
/// Sends each read request's queries to a replica or the primary, and gives each write its consistency token. A read is a
/// GET or HEAD (unless its endpoint says <see cref="ReadRoutingEndpoints.ReadsPrimary"/>) or an endpoint marked
/// <see cref="ReadRoutingEndpoints.ReadsOnly"/>; <see cref="ReadReplicas"/> decides where it goes, and the store's
/// read-side queries follow through <see cref="ReadSource"/>. Without read connections it only checks the header.
/// </summary>
public static class ReadRouting
{
    public const string ConsistencyHeader = ConsistencyToken.Header;
    public const string ReadFromHeader = "Reconciler-Read-From";
    public const string LagHeader = "Reconciler-Replica-Lag";

    /// <summary>The console's own last write, for its next page (it cannot send a header on a link).</summary>
    public const string ConsoleCookie = "reconciler-consistency";
    private const string ConsoleRoot = "/console"; // AuditConsole's root, which plumbing may not reference

    public static IApplicationBuilder UseReadRouting(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            var metadata = http.GetEndpoint()?.Metadata;
            var kind = ReadRoutingEndpoints.KindOf(http.Request.Method, metadata?.GetMetadata<ReadRoutingEndpoints.Marker>());
            var headerToken = http.Request.Headers[ConsistencyHeader].ToString();
            ConsistencyToken? token = null;
            if (headerToken.Length > 0)
            {
                if (!ConsistencyToken.TryParse(headerToken, out var parsed))
                {
                    await Problems.BadRequest("invalid-consistency-token",
                        $"The {ConsistencyHeader} header ('{headerToken}') is not a consistency token: send back the value a write answered in its {ConsistencyHeader} header, such as 0/16B3748.")
                        .ExecuteAsync(http);
                    return;
                }
                token = parsed;
            }
            var replicas = http.RequestServices.GetRequiredService<ReadReplicas>();
            if (!replicas.Any)
            {
                await next(http);
                return;
            }
            if (kind == ReadRoutingEndpoints.Kind.Write)
            {
                http.Response.OnStarting(() => AnswerTokenAsync(http));
            }
            if (kind != ReadRoutingEndpoints.Kind.Read)
            {
                await next(http);
                return;
            }
            // Set here, not in the awaited method: a value set in an async method does not reach its caller's flow.
            var reads = http.RequestServices.GetRequiredService<ReadSource>();
            var target = await ChooseAsync(http, replicas, token ?? ConsoleToken(http), metadata?.GetMetadata<ReadRoutingEndpoints.FeedCursorIn>());
            reads.Use(target);
            try
            {
                await next(http);
            }
            catch (Exception e) when (!http.Response.HasStarted && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
                                      && replicas.ReportFailure(target, e))
            {
                // The replica went away between its last check and this read: the primary answers it (a GET can run twice).
                reads.Use(ReadTarget.OnPrimary(replicas.Primary, $"{target.Name} failed"));
                http.Response.Headers[ReadFromHeader] = ReadTarget.Primary;
                http.Response.Headers.Remove(LagHeader);
                await next(http);
            }
        });

    private static async Task<ReadTarget> ChooseAsync(HttpContext http, ReadReplicas replicas, ConsistencyToken? token, ReadRoutingEndpoints.FeedCursorIn? feed)
    {
        FeedCursor? after = null;
        if (feed is not null && FeedCursor.TryDecode(feed.ValueIn(http.Request), out var cursor))
        {
            after = cursor;
        }
        var target = await replicas.ChooseAsync(new ReadBound(token, after), http.RequestAborted);
        http.Response.Headers[ReadFromHeader] = target.Name;
        if (!target.IsPrimary)
        {
            http.Response.Headers[LagHeader] = (target.Lag ?? TimeSpan.Zero).TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        }
        return target;
    }

    // Read after the endpoint committed (the headers are not sent before): a position at or after its commit.
    private static async Task AnswerTokenAsync(HttpContext http)
    {
        if (http.Response.StatusCode >= StatusCodes.Status500InternalServerError)
        {
            return;
        }
        if (await http.RequestServices.GetRequiredService<WritePosition>().AfterCommitAsync() is not { } position)
        {
            return;
        }
        var token = position.ToString();
        http.Response.Headers[ConsistencyHeader] = token;
        if (http.Request.Path.StartsWithSegments(ConsoleRoot))
        {
            http.Response.Cookies.Append(ConsoleCookie, token, new CookieOptions
            {
                Path = ConsoleRoot, HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps,
            });
        }
    }

    private static ConsistencyToken? ConsoleToken(HttpContext http) =>
        http.Request.Path.StartsWithSegments(ConsoleRoot)
        && ConsistencyToken.TryParse(http.Request.Cookies[ConsoleCookie], out var token) ? token : null;
}
