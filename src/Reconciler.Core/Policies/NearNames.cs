namespace Reconciler.Core.Policies;

/// <summary>
/// "Did you mean" hints: the known name nearest to one that is not known. The one home of the hint for the policy
/// reader (an unknown property) and for the signal judge (a facet or state the policy does not name).
/// </summary>
public static class NearNames
{
    /// <summary>The closest known name within a small edit distance (ignoring case), or null when none is near.</summary>
    public static string? Suggest(string name, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(known);
        // A third of the name's length: 'paymnet' (two edits from 'payment') is near, 'tax' is near nothing.
        var limit = Math.Max(1, name.Length / 3);
        var lowered = name.ToLowerInvariant();
        return known
            .Select(candidate => (candidate, distance: Distance(lowered, candidate.ToLowerInvariant())))
            .Where(c => c.distance <= limit)
            .OrderBy(c => c.distance)
            .Select(c => c.candidate)
            .FirstOrDefault();
    }

    /// <summary>" (did you mean 'x'?)" when a known name is near, else empty: ready to append to a sentence.</summary>
    public static string Hint(string name, IEnumerable<string> known) =>
        Suggest(name, known) is { } near ? $" (did you mean '{near}'?)" : "";

    // Levenshtein distance: insertions, deletions and substitutions each count one.
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }
        return previous[b.Length];
    }
}
