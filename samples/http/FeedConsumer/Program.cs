// Follows GET /v1/feed/stream (server-sent events) and prints every resolved outcome (OutcomeDeclared).
// The cursor of the last handled event is saved in a file; after a restart the stream resumes from it
// (Last-Event-ID), so nothing is missed and nothing is printed twice. Delivery is at least once: an
// event handled but not yet saved is seen again, so a real consumer dedupes on eventId.
//
//   dotnet run --project samples/http/FeedConsumer -- [server] [cursor-file]
//   RECONCILER_KEY=<auditor key>  (the key is read from the environment)
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

var server = args.Length > 0 ? args[0] : "http://127.0.0.1:5080";
var cursorFile = args.Length > 1 ? args[1] : "feed-consumer.cursor";
var key = Environment.GetEnvironmentVariable("RECONCILER_KEY")
    ?? throw new InvalidOperationException("Set RECONCILER_KEY to an auditor key (reconciler keys create --role auditor).");

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var http = new HttpClient { BaseAddress = new Uri(server), Timeout = Timeout.InfiniteTimeSpan };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

while (!stop.IsCancellationRequested)
{
    try
    {
        await FollowAsync(stop.Token);
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
        break;
    }
    catch (Exception e) when (e is HttpRequestException or IOException)
    {
        Console.Error.WriteLine($"feed interrupted ({e.Message}); reconnecting in 2 s");
        await Task.Delay(TimeSpan.FromSeconds(2), stop.Token).ContinueWith(_ => { });
    }
}

async Task FollowAsync(CancellationToken ct)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/feed/stream?types=OutcomeDeclared");
    request.Headers.Accept.ParseAdd("text/event-stream");
    if (File.Exists(cursorFile) && File.ReadAllText(cursorFile).Trim() is { Length: > 0 } saved)
    {
        request.Headers.Add("Last-Event-ID", saved);
        Console.WriteLine($"resuming after {saved}");
    }
    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    response.EnsureSuccessStatusCode();
    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
    string? id = null;
    var data = new StringBuilder();
    while (await reader.ReadLineAsync(ct) is { } line)
    {
        if (line.Length == 0)
        {
            if (data.Length > 0)
            {
                Handle(data.ToString());
                if (id is not null)
                {
                    File.WriteAllText(cursorFile, id); // saved after handling: at least once
                }
            }
            id = null;
            data.Clear();
        }
        else if (line.StartsWith("id:", StringComparison.Ordinal))
        {
            id = line[3..].Trim();
        }
        else if (line.StartsWith("data:", StringComparison.Ordinal))
        {
            data.Append(line[5..].TrimStart());
        }
    }
}

static void Handle(string json)
{
    var item = JsonDocument.Parse(json).RootElement;
    if (item.GetProperty("type").GetString() != "OutcomeDeclared")
    {
        return;
    }
    var data = item.GetProperty("data");
    Console.WriteLine($"{item.GetProperty("time").GetString()}  {item.GetProperty("operationType").GetString()} {item.GetProperty("operationId").GetString()}: " +
        $"{data.GetProperty("previousOutcome").GetString()} -> {data.GetProperty("outcome").GetString()}  (event {item.GetProperty("eventId").GetString()})");
}
