using System.Buffers;

namespace Reconciler.Http;

/// <summary>
/// A request body read whole into a buffer rented from the shared pool (bodies of signal batches run to
/// megabytes: fresh arrays of that size would each be a large-object allocation and a full collection sooner).
/// Dispose returns the buffer; nothing may use <see cref="Memory"/> after that.
/// </summary>
public sealed class BoundedBody : IDisposable
{
    private byte[]? _rented;

    private BoundedBody(byte[] rented, int length)
    {
        _rented = rented;
        Memory = rented.AsMemory(0, length);
    }

    public ReadOnlyMemory<byte> Memory { get; }

    /// <summary>
    /// The body, or null when it is longer than <paramref name="maxBytes"/> (Content-Length alone is not trusted:
    /// chunked bodies have none). An oversized body is still read to its end (Kestrel's own limit caps that),
    /// so the client gets the 413 instead of a reset connection.
    /// </summary>
    public static async Task<BoundedBody?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        var tooLarge = request.ContentLength > maxBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(tooLarge ? 64 * 1024 : (int)Math.Clamp(request.ContentLength ?? 16 * 1024, 1024, maxBytes));
        var length = 0;
        try
        {
            while (true)
            {
                if (!tooLarge && length == buffer.Length)
                {
                    if (length >= maxBytes)
                    {
                        tooLarge = true;
                    }
                    else
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, buffer.Length * 2));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                }
                var read = await request.Body.ReadAsync(tooLarge ? buffer : buffer.AsMemory(length), ct);
                if (read == 0)
                {
                    break;
                }
                if (!tooLarge)
                {
                    length += read;
                    tooLarge = length > maxBytes;
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        if (tooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return null;
        }
        return new BoundedBody(buffer, length);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _rented, null) is { } rented)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
