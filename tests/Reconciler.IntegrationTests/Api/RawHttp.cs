using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>An answer read off the wire: status, headers (lower-case names) and the decoded body text.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? ContentType => Headers.GetValueOrDefault("content-type");

    public bool IsProblem => ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) == true;

    /// <summary>The problem's JSON; fails the test when the body is not a problem with a type slug and a detail.</summary>
    public JsonElement Problem()
    {
        Assert.True(IsProblem, $"{Status} is not problem+json ({ContentType}): {Body}");
        var json = JsonDocument.Parse(Body).RootElement.Clone();
        Assert.StartsWith("https://reconciler.dev/problems/", json.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("detail").GetString()), $"no detail: {Body}");
        return json;
    }
}

/// <summary>
/// HTTP/1.1 over a bare socket, so that tests can send what HttpClient refuses to: invalid UTF-8, NUL and
/// control bytes in paths, headers and bodies. One request per connection (Connection: close).
/// </summary>
public static class RawHttp
{
    public static Task<RawResponse> SendAsync(Uri server, string method, string target, string? key, byte[]? body = null, string extraHeaders = "") =>
        SendAsync(server, Encoding.ASCII.GetBytes(method), Encoding.ASCII.GetBytes(target), key, body, Encoding.ASCII.GetBytes(extraHeaders));

    public static async Task<RawResponse> SendAsync(Uri server, byte[] method, byte[] target, string? key, byte[]? body, byte[] extraHeaders)
    {
        var head = new MemoryStream();
        void Write(byte[] bytes) => head.Write(bytes);
        Write(method);
        Write(" "u8.ToArray());
        Write(target);
        Write(Encoding.ASCII.GetBytes($" HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n"));
        if (key is not null)
        {
            Write(Encoding.ASCII.GetBytes($"Authorization: Bearer {key}\r\n"));
        }
        if (body is not null)
        {
            Write(Encoding.ASCII.GetBytes($"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n"));
        }
        Write(extraHeaders);
        Write("\r\n"u8.ToArray());
        if (body is not null)
        {
            Write(body);
        }

        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await stream.WriteAsync(head.ToArray(), timeout.Token);
        }
        catch (IOException)
        {
            // The server may answer and close before reading all of an oversized request.
        }
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException) when (received.Length > 0)
        {
            // A reset after the answer was read.
        }
        return Parse(received.ToArray());
    }

    private static RawResponse Parse(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, $"no complete answer: {text}");
        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1]);
        var headers = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        var body = bytes.AsSpan(end + 4).ToArray();
        if (headers.GetValueOrDefault("transfer-encoding") == "chunked")
        {
            body = Dechunk(body);
        }
        return new RawResponse(status, headers, Encoding.UTF8.GetString(body));
    }

    private static byte[] Dechunk(byte[] chunked)
    {
        var output = new MemoryStream();
        var at = 0;
        while (true)
        {
            var lineEnd = Array.IndexOf(chunked, (byte)'\n', at);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(chunked, at, lineEnd - at).Trim().Split(';')[0], 16);
            if (size == 0)
            {
                return output.ToArray();
            }
            output.Write(chunked, lineEnd + 1, size);
            at = lineEnd + 1 + size + 2;
        }
    }
}
