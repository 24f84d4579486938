using System.Globalization;

namespace Reconciler.Core.Judging;

/// <summary>
/// Stable conflict ids: the same operation, kind, facet and sources always give the same id, so a
/// conflict that converges and diverges again reopens its own record. URL-safe and short.
/// </summary>
public static class ConflictIds
{
    public static string For(string? operationId, string kind, string? facet, IEnumerable<string> sources, string? discriminator = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var hash = 14695981039346656037UL;
        hash = Mix(hash, operationId ?? "");
        hash = Mix(hash, kind);
        hash = Mix(hash, facet ?? "");
        foreach (var source in sources)
        {
            hash = Mix(hash, source);
        }

        hash = Mix(hash, discriminator ?? "");
        return kind + "-" + hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>The id for a pair of sources, already in order; allocates nothing but the id.</summary>
    public static string ForPair(string? operationId, string kind, string? facet, string first, string second)
    {
        var hash = 14695981039346656037UL;
        hash = Mix(hash, operationId ?? "");
        hash = Mix(hash, kind);
        hash = Mix(hash, facet ?? "");
        hash = Mix(hash, first);
        hash = Mix(hash, second);
        hash = Mix(hash, "");
        return kind + "-" + hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    // FNV-1a over UTF-16 code units with a separator: stable across processes and runtimes (unlike string.GetHashCode).
    private static ulong Mix(ulong hash, string value)
    {
        foreach (var c in value)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return (hash ^ 0xFFFF) * 1099511628211UL;
    }
}
