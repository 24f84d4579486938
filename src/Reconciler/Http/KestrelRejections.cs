using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Reconciler.Http;

/// <summary>
/// Kestrel refuses some requests itself, before any middleware runs — a NUL or a control character in the
/// path (<c>%00</c>), a non-ASCII header byte, a request line over 8 KiB (414), headers over 32 KiB (431) —
/// and answers them with an empty body and <c>Connection: close</c>. This connection middleware turns
/// exactly those answers into problem+json, so that every error the server sends says what to fix.
/// It recognises them safely because the application never sends a 4xx or 5xx with an empty body.
/// </summary>
public static class KestrelRejections
{
    public static void UseProblemBodies(this ListenOptions listen) =>
        listen.Use(next => async connection =>
        {
            var transport = connection.Transport;
            connection.Transport = new RewritingPipe(transport);
            try
            {
                await next(connection);
            }
            finally
            {
                connection.Transport = transport;
            }
        });

    /// <summary>
    /// The problem+json answer for a bodiless error answer of Kestrel's (the bytes of one flush), or null
    /// when <paramref name="flushed"/> is anything else.
    /// </summary>
    public static byte[]? Rewrite(ReadOnlySpan<byte> flushed)
    {
        const string Prefix = "HTTP/1.1 ";
        const string EmptyBody = "\r\nContent-Length: 0\r\n";
        if (flushed.Length < Prefix.Length + 3 || flushed.Length > 4096 || !flushed.StartsWith(Encoding.ASCII.GetBytes(Prefix))
            || flushed[Prefix.Length] is not ((byte)'4' or (byte)'5') || !flushed.EndsWith("\r\n\r\n"u8))
        {
            return null;
        }
        var head = Encoding.ASCII.GetString(flushed);
        if (head.IndexOf("\r\n\r\n", StringComparison.Ordinal) != head.Length - 4
            || !head.Contains(EmptyBody, StringComparison.Ordinal)
            || !head.Contains("\r\nConnection: close\r\n", StringComparison.Ordinal)
            || !int.TryParse(head.AsSpan(Prefix.Length, 3), out var status))
        {
            return null;
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(Problems.Details(status, Slug(status), Title(status), Detail(status)), ApiJson.Options);
        var headers = head[..^2].Replace(EmptyBody, $"\r\nContent-Type: application/problem+json\r\nContent-Length: {body.Length}\r\n", StringComparison.Ordinal);
        return [.. Encoding.ASCII.GetBytes(headers + "\r\n"), .. body];
    }

    private static string Slug(int status) => status switch
    {
        414 => "uri-too-long",
        431 => "headers-too-large",
        413 => "payload-too-large",
        408 => "request-timeout",
        _ => "malformed-request",
    };

    private static string Title(int status) => status switch
    {
        414 => "The request line is too long",
        431 => "The request headers are too large",
        413 => "The body is too large",
        408 => "The request took too long to arrive",
        _ => "The request could not be read",
    };

    private static string Detail(int status) => status switch
    {
        414 => "The request line (method, path and query) may be at most 8 KiB; shorten the path or the query.",
        431 => "The request headers may be at most 32 KiB in all; send fewer or shorter headers.",
        413 => "The body is larger than the server accepts; split it (signals: at most 5,000 per request and 8 MiB).",
        408 => "The request's headers or body arrived too slowly; send the whole request promptly.",
        _ => "The request line or a header could not be read: the path holds a NUL or another control character (such as %00), "
            + "a header holds a byte that is not ASCII, or the request is not well-formed HTTP/1.1. "
            + "Percent-encode paths and queries as UTF-8 without control characters.",
    };

    private sealed class RewritingPipe(IDuplexPipe inner) : IDuplexPipe
    {
        public PipeReader Input { get; } = inner.Input;
        public PipeWriter Output { get; } = new RewritingWriter(inner.Output);
    }

    /// <summary>Holds what Kestrel writes until it flushes, then passes it on (rewritten when it is a bodiless refusal).</summary>
    private sealed class RewritingWriter(PipeWriter inner) : PipeWriter
    {
        private const int KeptCapacity = 64 * 1024;
        private ArrayBufferWriter<byte> _pending = new(4096);

        public override void Advance(int bytes) => _pending.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _pending.WrittenCount;

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            PassOn();
            return inner.FlushAsync(cancellationToken);
        }

        public override void Complete(Exception? exception = null)
        {
            PassOn();
            inner.Complete(exception);
        }

        public override ValueTask CompleteAsync(Exception? exception = null)
        {
            PassOn();
            return inner.CompleteAsync(exception);
        }

        private void PassOn()
        {
            if (_pending.WrittenCount == 0)
            {
                return;
            }
            if (Rewrite(_pending.WrittenSpan) is { } rewritten)
            {
                inner.Write(rewritten);
            }
            else
            {
                inner.Write(_pending.WrittenSpan);
            }
            if (_pending.Capacity > KeptCapacity)
            {
                _pending = new ArrayBufferWriter<byte>(4096);
            }
            else
            {
                _pending.ResetWrittenCount();
            }
        }
    }
}
