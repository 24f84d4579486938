using System.Text;

namespace Reconciler.IntegrationTests.Contract;

/// <summary>A unified diff of two texts by lines (longest common subsequence after the common ends), for a failed comparison to show what changed.</summary>
public static class UnifiedDiff
{
    private const int Context = 3;
    private const int MaxLines = 400;

    public static string Of(string expected, string actual, string expectedName, string actualName)
    {
        var a = Lines(expected);
        var b = Lines(actual);
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }
        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)])
        {
            suffix++;
        }
        var edits = new List<(char Kind, int A, int B)>();
        for (var i = 0; i < prefix; i++)
        {
            edits.Add((' ', i, i));
        }
        edits.AddRange(Middle(a, b, prefix, a.Length - suffix, b.Length - suffix));
        for (var i = suffix; i > 0; i--)
        {
            edits.Add((' ', a.Length - i, b.Length - i));
        }
        return Format(edits, a, b, expectedName, actualName);
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    /// <summary>The edit script of the changed middle: a table of common-subsequence lengths, then a walk through it.</summary>
    private static IEnumerable<(char, int, int)> Middle(string[] a, string[] b, int start, int endA, int endB)
    {
        int n = endA - start, m = endB - start;
        var table = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
            {
                table[i, j] = a[start + i] == b[start + j] ? table[i + 1, j + 1] + 1 : Math.Max(table[i + 1, j], table[i, j + 1]);
            }
        }
        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[start + x] == b[start + y])
            {
                yield return (' ', start + x++, start + y++);
            }
            // Removals before additions, as diff prints them.
            else if (x < n && (y == m || table[x + 1, y] >= table[x, y + 1]))
            {
                yield return ('-', start + x++, -1);
            }
            else
            {
                yield return ('+', -1, start + y++);
            }
        }
    }

    private static string Format(List<(char Kind, int A, int B)> edits, string[] a, string[] b, string expectedName, string actualName)
    {
        var text = new StringBuilder($"--- {expectedName}\n+++ {actualName}\n");
        var lines = 0;
        var index = 0;
        while (index < edits.Count)
        {
            var change = edits.FindIndex(index, e => e.Kind != ' ');
            if (change < 0)
            {
                break;
            }
            var from = Math.Max(index == 0 ? 0 : index, change - Context);
            var to = change;
            // A hunk runs on while the next change is within twice the context.
            while (to < edits.Count)
            {
                var next = edits.FindIndex(to, e => e.Kind != ' ');
                if (next < 0 || next - to > 2 * Context)
                {
                    break;
                }
                to = edits.FindIndex(next, e => e.Kind == ' ');
                if (to < 0)
                {
                    to = edits.Count;
                }
            }
            var end = Math.Min(edits.Count, to + Context);
            var hunk = edits.GetRange(from, end - from);
            var firstA = hunk.Where(e => e.A >= 0).Select(e => e.A + 1).DefaultIfEmpty(0).First();
            var firstB = hunk.Where(e => e.B >= 0).Select(e => e.B + 1).DefaultIfEmpty(0).First();
            text.Append($"@@ -{firstA},{hunk.Count(e => e.A >= 0)} +{firstB},{hunk.Count(e => e.B >= 0)} @@\n");
            foreach (var (kind, lineA, lineB) in hunk)
            {
                if (++lines > MaxLines)
                {
                    return text.Append($"… (more than {MaxLines} lines; compare the files themselves)\n").ToString();
                }
                text.Append(kind).Append(kind == '+' ? b[lineB] : a[lineA]).Append('\n');
            }
            index = end;
        }
        return text.ToString();
    }
}
