using System.Net;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Api;

/// <summary>Small helpers shared by the conflict, report, what-if and feed API tests.</summary>
public static class ApiCalls
{
    public static string Signal(string operationId, string signalId, string facet, string state, string type = "order") =>
        $$"""{ "operationId": "{{operationId}}", "operationType": "{{type}}", "signalId": "{{signalId}}", "facet": "{{facet}}", "state": "{{state}}" }""";

    public static string Batch(IEnumerable<string> signals) => $$"""{ "signals": [ {{string.Join(",", signals)}} ] }""";

    /// <summary>Posts signals and returns the results array.</summary>
    public static async Task<JsonElement> SendAsync(HttpClient source, string body)
    {
        var response = await source.PostAsync("/v1/signals", ApiServer.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST /v1/signals: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("results").Clone();
    }

    /// <summary>Sends one signal and returns the ids of the conflicts it opened.</summary>
    public static async Task<IReadOnlyList<string>> SendOneAsync(HttpClient source, string operationId, string signalId, string facet, string state, string type = "order")
    {
        var result = (await SendAsync(source, Signal(operationId, signalId, facet, state, type)))[0];
        Assert.NotEqual("rejected", result.GetProperty("status").GetString());
        return result.GetProperty("conflictsOpened").EnumerateArray().Select(c => c.GetProperty("conflictId").GetString()!).ToList();
    }

    /// <summary>Opens an invalid-transition conflict (payment authorized → refunded, medium) on <paramref name="operationId"/>; its id.</summary>
    public static async Task<string> OpenInvalidTransitionAsync(HttpClient gateway, string operationId, string type = "order")
    {
        await SendOneAsync(gateway, operationId, operationId + "-1", "payment", "authorized", type);
        return Assert.Single(await SendOneAsync(gateway, operationId, operationId + "-2", "payment", "refunded", type));
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"GET {path}: expected {(int)expected}, got {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(HttpClient client, string path, string body)
    {
        var response = await client.PostAsync(path, ApiServer.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Polls until <paramref name="condition"/> holds (deadline-driven conflicts open on the worker's next tick).</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var value = await read();
            if (condition(value) || DateTime.UtcNow > until)
            {
                return value;
            }
            await Task.Delay(100);
        }
    }
}
