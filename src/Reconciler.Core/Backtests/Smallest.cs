using System.Collections.Immutable;

namespace Reconciler.Core.Backtests;

/// <summary>
/// The <c>capacity</c> smallest distinct items seen, by a total order: which items it keeps does not depend on the order they
/// were added in, so examples and listed decisions come out the same however the operations were shared out.
/// </summary>
internal sealed class Smallest<T>(int capacity, Comparison<T> order)
{
    private readonly SortedSet<T> _items = new(Comparer<T>.Create(order));

    public void Add(T item)
    {
        if (_items.Count >= capacity && order(item, _items.Max!) >= 0)
        {
            return;
        }

        _items.Add(item);
        if (_items.Count > capacity)
        {
            _items.Remove(_items.Max!);
        }
    }

    public ImmutableList<T> Sorted() => [.. _items];
}
