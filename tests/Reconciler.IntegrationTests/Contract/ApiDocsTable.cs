using System.Globalization;
using System.Text.RegularExpressions;

namespace Reconciler.IntegrationTests.Contract;

/// <summary>The rows of docs/api.md's table "Endpoints at a glance": method, path (query part dropped), roles, success status.</summary>
public static partial class ApiDocsTable
{
    public sealed record Row(string Method, string Path, string Roles, int Success);

    public static IReadOnlyList<Row> Read()
    {
        var rows = new List<Row>();
        foreach (var line in File.ReadLines(Path.Combine(ContractTools.RepositoryRoot, "docs", "api.md")))
        {
            var match = TableRow().Match(line);
            if (match.Success)
            {
                rows.Add(new Row(match.Groups["method"].Value, match.Groups["path"].Value, match.Groups["roles"].Value.Trim(),
                    int.Parse(match.Groups["status"].Value, CultureInfo.InvariantCulture)));
            }
        }
        return rows;
    }

    [GeneratedRegex(@"^\| `(?<method>GET|POST|PUT|PATCH|DELETE) (?<path>/[^`?\[ ]*)[^`]*`[^|]*\| (?<roles>[^|]+) \| (?<status>\d{3})")]
    private static partial Regex TableRow();
}
