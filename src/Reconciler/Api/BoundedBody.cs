namespace Reconciler.Api;

/// <summary>Reads a request body up to a limit, without trusting Content-Length alone (chunked bodies have none).</summary>
public static class BoundedBody
{
    /// <summary>
    /// The body's bytes, or null when it is longer than <paramref name="maxBytes"/>. An oversized body is
    /// still read to its end (Kestrel's own limit caps that), so the client gets the 413 instead of a reset connection.
    /// </summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        var tooLarge = request.ContentLength > maxBytes;
        using var buffer = new MemoryStream(tooLarge ? 0 : request.ContentLength is { } length ? (int)length : 16 * 1024);
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            tooLarge |= buffer.Length + read > maxBytes;
            if (!tooLarge)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        return tooLarge ? null : buffer.ToArray();
    }
}
