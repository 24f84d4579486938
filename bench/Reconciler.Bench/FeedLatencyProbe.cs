using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Reconciler.Bench;

/// <summary>
/// Follows <c>/v1/feed/stream</c> during an ingest run and measures, per signal, the time from its
/// request's 200 (after the commit) to its SignalReceived arriving over server-sent events.
/// </summary>
public sealed class FeedLatencyProbe : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, long> _acknowledged = new();
    private readonly ConcurrentDictionary<string, long> _arrived = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private readonly Task _reading;

    public FeedLatencyProbe(Uri address, string key)
    {
        _http = new HttpClient { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        _reading = ReadAsync(_stop.Token);
    }

    /// <summary>The request that carried these signals got its 200 now.</summary>
    public void Acknowledged(IEnumerable<string> signalIds)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var id in signalIds)
        {
            _acknowledged[id] = now;
        }
    }

    /// <summary>Latencies in ms of the acknowledged signals whose id starts with <paramref name="prefix"/> (0 when the event beat the response).</summary>
    public async Task<List<double>> LatenciesAsync(string prefix, TimeSpan settle)
    {
        var until = DateTime.UtcNow + settle;
        while (DateTime.UtcNow < until && _arrived.Count < _acknowledged.Count)
        {
            await Task.Delay(50);
        }
        return _acknowledged
            .Where(a => a.Key.StartsWith(prefix, StringComparison.Ordinal) && _arrived.ContainsKey(a.Key))
            .Select(a => Math.Max(0, Stopwatch.GetElapsedTime(a.Value, _arrived[a.Key]).TotalMilliseconds))
            .ToList();
    }

    public int Missing => _acknowledged.Keys.Count(k => !_arrived.ContainsKey(k));

    private async Task ReadAsync(CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync("/v1/feed/stream?after=end&types=SignalReceived", HttpCompletionOption.ResponseHeadersRead, ct);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    var now = Stopwatch.GetTimestamp();
                    using var item = JsonDocument.Parse(line.AsMemory(5));
                    _arrived.TryAdd(item.RootElement.GetProperty("data").GetProperty("signalId").GetString()!, now);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reading;
        }
        catch (HttpRequestException)
        {
            // The server went away first.
        }
        _http.Dispose();
        _stop.Dispose();
    }
}
