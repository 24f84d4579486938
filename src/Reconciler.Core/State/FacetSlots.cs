using System.Collections.Immutable;

namespace Reconciler.Core.State;

/// <summary>
/// The facets of one operation as a small copy-on-write array: a policy names a handful of facets, so a
/// linear scan and a copy of a few references beat a hash trie on every signal. The names array is
/// shared between versions until a new facet appears.
/// </summary>
internal sealed class FacetSlots
{
    public static FacetSlots Empty { get; } = new([], []);

    private readonly string[] _names;
    private readonly FacetTruth[] _truths;

    private FacetSlots(string[] names, FacetTruth[] truths)
    {
        _names = names;
        _truths = truths;
    }

    public static FacetSlots From(ImmutableDictionary<string, FacetTruth> facets)
    {
        var ordered = facets.OrderBy(f => f.Key, StringComparer.Ordinal).ToArray();
        return ordered.Length == 0 ? Empty : new([.. ordered.Select(f => f.Key)], [.. ordered.Select(f => f.Value)]);
    }

    public FacetTruth? Find(string facet)
    {
        var i = IndexOf(facet);
        return i < 0 ? null : _truths[i];
    }

    public FacetSlots With(string facet, FacetTruth truth)
    {
        var i = IndexOf(facet);
        if (i < 0)
        {
            return new FacetSlots([.. _names, facet], [.. _truths, truth]);
        }

        // A plain copy: Array.Clone goes through the runtime's generic object clone, slower for a few references.
        var copy = new FacetTruth[_truths.Length];
        _truths.CopyTo(copy, 0);
        copy[i] = truth;
        return new FacetSlots(_names, copy);
    }

    /// <summary>The facets in the order they first appeared.</summary>
    public int Count => _names.Length;

    public (string Name, FacetTruth Truth) this[int index] => (_names[index], _truths[index]);

    public ImmutableDictionary<string, FacetTruth> ToImmutableDictionary()
    {
        var builder = ImmutableDictionary.CreateBuilder<string, FacetTruth>(StringComparer.Ordinal);
        for (var i = 0; i < _names.Length; i++)
        {
            builder.Add(_names[i], _truths[i]);
        }

        return builder.ToImmutable();
    }

    private int IndexOf(string facet)
    {
        for (var i = 0; i < _names.Length; i++)
        {
            if (string.Equals(_names[i], facet, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
