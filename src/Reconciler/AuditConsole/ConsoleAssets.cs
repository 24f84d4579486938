using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Reconciler.AuditConsole;

/// <summary>
/// The console's stylesheet and script, embedded in the executable and served by it (nothing from a CDN, so the
/// console works offline). A URL carries the content's hash, so browsers may keep a file for a year and a new
/// build is fetched at once.
/// </summary>
public static class ConsoleAssets
{
    private sealed record Asset(byte[] Content, string ContentType, string Hash);

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    public static string Url(string name) => $"/console/assets/{name}?v={Assets[name].Hash}";

    public static IResult Serve(string name, string? v, HttpContext http)
    {
        if (!Assets.TryGetValue(name, out var asset))
        {
            return Results.NotFound();
        }
        http.Response.Headers.CacheControl = v == asset.Hash ? "public, max-age=31536000, immutable" : "no-cache";
        http.Response.Headers.ETag = $"\"{asset.Hash}\"";
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("console/", StringComparison.Ordinal))
            .ToFrozenDictionary(n => n["console/".Length..], n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                var bytes = copy.ToArray();
                var type = Path.GetExtension(n) switch
                {
                    ".css" => "text/css; charset=utf-8",
                    ".js" => "text/javascript; charset=utf-8",
                    ".svg" => "image/svg+xml",
                    _ => "application/octet-stream",
                };
                return new Asset(bytes, type, Convert.ToHexStringLower(SHA256.HashData(bytes)[..6]));
            }, StringComparer.Ordinal);
    }
}
