using System.Text.Json;

namespace Reconciler.Http;

/// <summary>Strict readers for JSON request bodies: every malformation, and every string that breaks the input rules, is a 400 problem naming the field.</summary>
public static class RequestJson
{
    public const int DefaultMaxBytes = 1 << 20;

    public readonly record struct Body(JsonElement Value, IResult? Problem);

    /// <summary>The body as a JSON object (a copy that outlives the request), or the problem that refuses it.</summary>
    public static async Task<Body> ReadObjectAsync(HttpRequest request, CancellationToken ct, int maxBytes = DefaultMaxBytes)
    {
        var (document, problem) = await ReadDocumentAsync(request, maxBytes, ct);
        if (document is null)
        {
            return new(default, problem);
        }
        using (document)
        {
            var root = document.Document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                ? new(root.Clone(), null)
                : new(default, Problems.BadRequest("malformed-json", "The body must be a JSON object."));
        }
    }

    /// <summary>The body parsed under the input rules (the caller disposes it), or a 400 problem, or <paramref name="tooLarge"/> (413).</summary>
    public static async Task<(JsonBody? Document, IResult? Problem)> ReadDocumentAsync(
        HttpRequest request, int maxBytes, CancellationToken ct, IResult? tooLarge = null)
    {
        var body = await BoundedBody.ReadAsync(request, maxBytes, ct);
        if (body is null)
        {
            return (null, tooLarge ?? Problems.Result(StatusCodes.Status413PayloadTooLarge, "payload-too-large", "The body is too large", $"The body may be at most {maxBytes} bytes."));
        }
        var (document, problem) = StrictJson.Parse(body.Memory);
        if (problem is null)
        {
            return (new JsonBody(document!, body), null);
        }
        body.Dispose();
        return (null, Problems.BadRequest(problem.Slug, problem.Message, Problems.Field(problem.Field)));
    }

    /// <summary>A parsed body and the pooled buffer it reads from: disposing returns both.</summary>
    public sealed class JsonBody(JsonDocument document, BoundedBody body) : IDisposable
    {
        public JsonDocument Document { get; } = document;

        public void Dispose()
        {
            Document.Dispose();
            body.Dispose();
        }
    }

    /// <summary>A string property, or null when absent or JSON null. A value of another type is treated as absent.</summary>
    public static string? OptionalString(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
