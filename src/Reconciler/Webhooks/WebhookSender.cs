using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Reconciler.Http;

namespace Reconciler.Webhooks;

/// <summary>
/// One delivery attempt: POST the item with the Standard Webhooks headers and Reconciler-Signature, through the
/// named client of <see cref="IHttpClientFactory"/> (15 s per attempt, no redirects, connections checked by
/// <see cref="WebhookUrlGuard"/>). A 2xx is a success; anything else — another status, a timeout, a refused
/// connection — is a failure with what the next attempt and lastError need.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, TimeProvider clock)
{
    public const string ClientName = "reconciler-webhooks";
    private const int ErrorTextLimit = 300;

    public async Task<AttemptResult> SendAsync(Uri url, IReadOnlyList<byte[]> keys, string eventId, byte[] body, string subscription, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("webhook-id", eventId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSignature.Standard(eventId, timestamp, body, keys));
        request.Headers.TryAddWithoutValidation("Reconciler-Signature", WebhookSignature.Body(body, keys));
        var client = clients.CreateClient(ClientName);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(WebhookOptions.AttemptTimeout);
        var started = Stopwatch.GetTimestamp();
        AttemptResult result;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                result = new AttemptResult(true, status, null, null);
            }
            else
            {
                var text = await SnippetAsync(response, attempt.Token);
                result = new AttemptResult(false, status, $"HTTP {status} {response.ReasonPhrase}{(text.Length > 0 ? ": " + text : "")}",
                    RetryPolicy.RetryAfterOf(response.Headers.RetryAfter, now));
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            result = new AttemptResult(false, null, $"no answer within {WebhookOptions.AttemptTimeout.TotalSeconds:0} s", null);
        }
        catch (HttpRequestException e)
        {
            result = new AttemptResult(false, null, Clean(e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} ({inner.Message})" : e.Message), null);
        }
        WebhookMetrics.Attempted(subscription, result, Stopwatch.GetElapsedTime(started));
        return result;
    }

    /// <summary>The start of an error answer's body, for lastError: one line, no control characters.</summary>
    private static async Task<string> SnippetAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[ErrorTextLimit];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0)
            {
                read += n;
            }
            return Clean(Encoding.UTF8.GetString(buffer, 0, read));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return "";
        }
    }

    private static string Clean(string text)
    {
        var chars = text.Select(c => char.IsControl(c) ? ' ' : c).ToArray();
        var clean = new string(chars).Trim();
        clean = clean.Length > ErrorTextLimit ? clean[..ErrorTextLimit] + "…" : clean;
        return InputRules.TextProblem(clean) is null ? clean : "";
    }
}
