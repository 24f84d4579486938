using System.Text;
using System.Text.Json;
using Reconciler.Api;
using Reconciler.Http;

namespace Reconciler.IntegrationTests.Input;

/// <summary>Kestrel's own bodiless refusals become problem+json; every other answer passes untouched.</summary>
public sealed class KestrelRejectionsTests
{
    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    [Theory]
    [InlineData(400, "malformed-request")]
    [InlineData(414, "uri-too-long")]
    [InlineData(431, "headers-too-large")]
    public void Given_a_bodiless_refusal_when_rewritten_then_it_carries_a_problem_with_a_matching_length(int status, string slug)
    {
        var refusal = Ascii($"HTTP/1.1 {status} Whatever\r\nContent-Length: 0\r\nConnection: close\r\nDate: Wed, 02 Dec 2026 15:19:25 GMT\r\nServer: Kestrel\r\n\r\n");

        var text = Encoding.UTF8.GetString(KestrelRejections.Rewrite(refusal)!);

        var head = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        var body = text[(head.Length + 4)..];
        Assert.StartsWith($"HTTP/1.1 {status} Whatever\r\n", head);
        Assert.Contains("\r\nContent-Type: application/problem+json\r\n", head);
        Assert.Contains($"\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n", head);
        Assert.Contains("\r\nConnection: close\r\n", head);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(Problems.TypeBase + slug, problem.GetProperty("type").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]
    [InlineData("HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n")]
    [InlineData("HTTP/1.1 404 Not Found\r\nContent-Type: application/problem+json\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nDate: x\r\n\r\n")]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n{}")]
    [InlineData("{\"results\":[]}")]
    public void Given_any_other_bytes_when_checked_then_they_are_left_alone(string flushed) =>
        Assert.Null(KestrelRejections.Rewrite(Ascii(flushed)));
}
