using System.Net.Http.Headers;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;

namespace Reconciler.Inbound;

/// <summary>
/// CloudEvents over HTTP (cloudevents.io), read by the CNCF SDK itself: binary mode (<c>ce-*</c> headers, the body is
/// the data), structured mode (<c>application/cloudevents+json</c>) and batches (<c>application/cloudevents-batch+json</c>).
/// Each event is handed on in its structured JSON form — attributes and <c>data</c> (or <c>data_base64</c>) side by
/// side — which is what mapping expressions see and what the quarantine keeps.
/// </summary>
public static class CloudEventReader
{
    private static readonly JsonEventFormatter Formatter = new();

    /// <summary>The events of a request in structured JSON, or why the request holds no valid CloudEvent.</summary>
    public static async Task<(IReadOnlyList<byte[]>? Events, string? Problem)> ReadAsync(HttpRequest request, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "http://inbound/") { Content = new ReadOnlyMemoryContent(body) };
        if (request.ContentType is { } contentType)
        {
            if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
            {
                return (null, $"Content-Type '{contentType}' is not a media type.");
            }
            message.Content.Headers.ContentType = media;
        }
        foreach (var (name, values) in request.Headers)
        {
            if (name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }
        try
        {
            if (message.IsCloudEventBatch())
            {
                var batch = await message.ToCloudEventBatchAsync(Formatter);
                return batch.Count == 0 ? (null, "The batch holds no event.") : ([.. batch.Select(Structured)], null);
            }
            if (!message.IsCloudEvent())
            {
                return (null, "This source takes CloudEvents: send ce-specversion, ce-id, ce-source and ce-type headers (binary mode), " +
                    "or a body of type application/cloudevents+json (structured) or application/cloudevents-batch+json (a batch).");
            }
            return ([Structured(await message.ToCloudEventAsync(Formatter))], null);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or System.Text.Json.JsonException)
        {
            return (null, $"The CloudEvent is not valid: {e.Message}");
        }
    }

    private static byte[] Structured(CloudEvent cloudEvent) =>
        System.Text.Encoding.UTF8.GetBytes(Formatter.ConvertToJsonElement(cloudEvent.Validate()).GetRawText());
}
