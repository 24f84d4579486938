namespace Reconciler.Http;

/// <summary>What an endpoint tells <see cref="ReadRouting"/> beyond its method.</summary>
public static class ReadRoutingEndpoints
{
    /// <summary>How a request is routed: a read a replica may serve, a read of the primary itself, or a write (answered with a token).</summary>
    public enum Kind
    {
        Read,
        PrimaryRead,
        Write,
    }

    /// <summary>Says an endpoint's <see cref="Kind"/> where its method would say otherwise.</summary>
    public sealed record Marker(Kind Kind);

    /// <summary>What a request of <paramref name="method"/> to an endpoint with <paramref name="marker"/> is.</summary>
    public static Kind KindOf(string method, Marker? marker) =>
        marker?.Kind ?? (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? Kind.Read
            : HttpMethods.IsOptions(method) ? Kind.PrimaryRead : Kind.Write);

    /// <summary>The feed: the cursor it reads after, in a query parameter or else a header, is a bound a replica must have passed.</summary>
    public sealed record FeedCursorIn(string Query, string Header)
    {
        public string? ValueIn(HttpRequest request) =>
            request.Query[Query].FirstOrDefault() is { Length: > 0 } value ? value : request.Headers[Header].FirstOrDefault();
    }

    /// <summary>A POST that stores nothing (what-if): its reads may go to a replica.</summary>
    public static TBuilder ReadsOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Marker(Kind.Read));

    /// <summary>A GET that must see the primary itself (health and readiness describe it).</summary>
    public static TBuilder ReadsPrimary<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Marker(Kind.PrimaryRead));

    /// <summary>The feed's cursor, in <paramref name="query"/> or <paramref name="header"/>, bounds which replica may answer.</summary>
    public static TBuilder ReadsAfterCursor<TBuilder>(this TBuilder builder, string query = "after", string header = "Last-Event-ID")
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FeedCursorIn(query, header));
}
