using Reconciler.Core.Policies;

namespace Reconciler.Core.Judging;

/// <summary>What comparing two attribute values found.</summary>
public enum Comparison
{
    /// <summary>Equal, or apart by no more than the tolerance.</summary>
    Agree,

    /// <summary>Apart by more than the tolerance.</summary>
    Differ,

    /// <summary>One of them does not parse as the declared type: nothing can be said.</summary>
    Incomparable,
}

/// <summary>
/// Compares two attribute values (their JSON text) by type and tolerance. Symmetric by construction: the
/// distance is |a − b| and a relative tolerance is a percentage of the larger magnitude of the two.
/// </summary>
public static class AttributeComparison
{
    public static Comparison Compare(AttributeType type, AttributeTolerance? tolerance, string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return type switch
        {
            AttributeType.Decimal => Decimals(tolerance, a, b),
            AttributeType.Time => Times(tolerance, a, b),
            _ => string.Equals(AttributeValues.Text(a), AttributeValues.Text(b), StringComparison.Ordinal) ? Comparison.Agree : Comparison.Differ,
        };
    }

    private static Comparison Decimals(AttributeTolerance? tolerance, string a, string b)
    {
        if (!AttributeValues.TryDecimal(a, out var x) || !AttributeValues.TryDecimal(b, out var y))
        {
            return Comparison.Incomparable;
        }

        decimal distance;
        try
        {
            distance = Math.Abs(x - y);
        }
        catch (OverflowException)
        {
            // Further apart than decimal can say (opposite signs near its limits): no tolerance covers that.
            return Comparison.Differ;
        }

        var allowed = tolerance is null ? 0m
            : tolerance.Relative ? Math.Max(Math.Abs(x), Math.Abs(y)) / 100m * tolerance.Amount
            : tolerance.Amount;
        return distance <= allowed ? Comparison.Agree : Comparison.Differ;
    }

    private static Comparison Times(AttributeTolerance? tolerance, string a, string b)
    {
        if (!AttributeValues.TryTime(a, out var x) || !AttributeValues.TryTime(b, out var y))
        {
            return Comparison.Incomparable;
        }

        return (x - y).Duration() <= (tolerance?.Duration ?? TimeSpan.Zero) ? Comparison.Agree : Comparison.Differ;
    }
}
