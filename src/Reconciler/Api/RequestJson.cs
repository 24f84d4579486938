using System.Text.Json;

namespace Reconciler.Api;

/// <summary>Small, strict readers for JSON request bodies that turn every malformation into a 400 problem.</summary>
public static class RequestJson
{
    public readonly record struct Body(JsonElement Value, IResult? Problem);

    public static async Task<Body> ReadObjectAsync(HttpRequest request, CancellationToken ct, long maxBytes = 1 << 20)
    {
        if (request.ContentLength > maxBytes)
        {
            return new(default, Problems.Result(StatusCodes.Status413PayloadTooLarge, "payload-too-large", "The body is too large", $"The body may be at most {maxBytes} bytes."));
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, ct);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return new(default, Problems.BadRequest("malformed-json", "The body must be a JSON object."));
            }
            return new(document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return new(default, Problems.BadRequest("malformed-json", $"The body is not valid JSON: {e.Message}"));
        }
    }

    /// <summary>A string property, or null when absent or JSON null. A value of another type is treated as absent.</summary>
    public static string? OptionalString(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
