using System.Collections.Immutable;

namespace Reconciler.Core.Judging;

/// <summary>
/// Stable conflict ids: the same operation, kind, facet and sources always give the same id, so a
/// conflict that converges and diverges again reopens its own record. URL-safe and short.
/// </summary>
public static class ConflictIds
{
    private const ulong Seed = 14695981039346656037UL;

    public static string For(string? operationId, string kind, string? facet, IEnumerable<string> sources, string? discriminator = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources is ImmutableList<string> list)
        {
            // The decider's case: indexed, so no boxed enumerator per id.
            return For(operationId, kind, facet, list, discriminator);
        }

        var hash = Start(operationId, kind, facet);
        foreach (var source in sources)
        {
            hash = Mix(hash, source);
        }

        return Format(kind, Mix(hash, discriminator ?? ""));
    }

    /// <summary>The id for a pair of sources, already in order; allocates nothing but the id.</summary>
    public static string ForPair(string? operationId, string kind, string? facet, string first, string second)
    {
        var hash = Start(operationId, kind, facet);
        hash = Mix(hash, first);
        hash = Mix(hash, second);
        return Format(kind, Mix(hash, ""));
    }

    private static string For(string? operationId, string kind, string? facet, ImmutableList<string> sources, string? discriminator)
    {
        var hash = Start(operationId, kind, facet);
        for (var i = 0; i < sources.Count; i++)
        {
            hash = Mix(hash, sources[i]);
        }

        return Format(kind, Mix(hash, discriminator ?? ""));
    }

    private static ulong Start(string? operationId, string kind, string? facet) =>
        Mix(Mix(Mix(Seed, operationId ?? ""), kind), facet ?? "");

    // The same few ids come back on every signal (an owner and each observer of a facet, again and again):
    // keep the latest per slot, per thread, so that a repeated id costs no allocation. The id is a function
    // of kind and hash alone, so a slot with the same hash and kind holds exactly the string Create would build.
    [ThreadStatic]
    private static (ulong Hash, string Id)[]? _recent;

    private static string Format(string kind, ulong hash)
    {
        var slots = _recent ??= new (ulong, string)[64];
        ref var slot = ref slots[(int)(hash % (ulong)slots.Length)];
        if (slot.Id is { } id && slot.Hash == hash && id.Length == kind.Length + 17 && id.AsSpan().StartsWith(kind, StringComparison.Ordinal))
        {
            return id;
        }

        slot = (hash, Create(kind, hash));
        return slot.Id;
    }

    // kind + "-" + 16 lower-case hex digits (as "x16" formats them), written straight into the one string it becomes.
    private static string Create(string kind, ulong hash) =>
        string.Create(kind.Length + 17, (kind, hash), static (span, state) =>
        {
            state.kind.AsSpan().CopyTo(span);
            span[state.kind.Length] = '-';
            var value = state.hash;
            for (var i = span.Length - 1; i > state.kind.Length; i--)
            {
                span[i] = "0123456789abcdef"[(int)(value & 0xF)];
                value >>= 4;
            }
        });

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
