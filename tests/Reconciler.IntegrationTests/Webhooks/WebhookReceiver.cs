using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary>
/// A webhook receiver on 127.0.0.1 (a free port) in the test process: records every request with its headers
/// and body, and answers what <see cref="Answer"/> says for the n-th attempt of that webhook-id (default 204).
/// The answer can change while it runs (a receiver that gets fixed).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Request(string WebhookId, string Timestamp, string Signature, string BodySignature, string ContentType,
        string Body, Dictionary<string, string> Headers, int Attempt, int Status, DateTime ReceivedAt)
    {
        public JsonElement Item => JsonDocument.Parse(Body).RootElement.Clone();
        public string OperationId => Item.GetProperty("operationId").GetString()!;
        public string Type => Item.GetProperty("type").GetString()!;
        public bool Succeeded => Status is >= 200 and < 300;
    }

    /// <summary>What to answer: the status, and a Retry-After value or null.</summary>
    public delegate (int Status, string? RetryAfter) Responder(string webhookId, JsonElement item, int attempt);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public volatile Responder Answer = (_, _, _) => (204, null);

    /// <summary>Sleeps this long before answering (a slow endpoint).</summary>
    public TimeSpan Delay { get; set; }

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<Request> Requests => [.. _requests];

    public IReadOnlyList<Request> Delivered => [.. _requests.Where(r => r.Succeeded)];

    public static async Task<WebhookReceiver> StartAsync(Responder? answer = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        if (answer is not null)
        {
            receiver.Answer = answer;
        }
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.TrimEnd('/') + "/hook");
        return receiver;
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var id = http.Request.Headers["webhook-id"].ToString();
        var attempt = _attempts.AddOrUpdate(id, 1, (_, n) => n + 1);
        var item = JsonDocument.Parse(body).RootElement.Clone();
        var (status, retryAfter) = Answer(id, item, attempt);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay);
        }
        _requests.Enqueue(new Request(id, http.Request.Headers["webhook-timestamp"].ToString(), http.Request.Headers["webhook-signature"].ToString(),
            http.Request.Headers["Reconciler-Signature"].ToString(), http.Request.ContentType ?? "", body,
            http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), attempt, status, DateTime.UtcNow));
        http.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            http.Response.Headers.RetryAfter = retryAfter;
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds over the requests so far; fails with <paramref name="what"/> after the timeout.</summary>
    public async Task<IReadOnlyList<Request>> WaitForAsync(Func<IReadOnlyList<Request>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var requests = Requests;
            if (condition(requests))
            {
                return requests;
            }
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"timed out waiting for {what}; received {requests.Count}: "
                    + string.Join(", ", requests.Take(20).Select(r => $"{r.WebhookId}#{r.Attempt}→{r.Status}")));
            }
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
