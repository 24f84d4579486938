using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Reconciler.Cli;

/// <summary>A finished backtest as tables for the terminal (ids never broken, <see cref="CliTable"/>): the outcome matrix, the
/// conflicts per kind, the decisions at risk with who decided, when and why, and example operations per change.</summary>
public static class BacktestTables
{
    /// <summary>The corner of a from → to matrix: rows today, columns under the candidate.</summary>
    public const string MatrixCorner = "today \\ candidate";

    public static void Write(IAnsiConsole console, JsonElement backtest)
    {
        var summary = backtest.GetProperty("summary");
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Backtest {Text(backtest, "backtestId")} of '{Text(backtest, "operationType")}' (candidate {Text(backtest, "candidateHash")}): " +
            $"{Long(summary, "operations"):N0} operations compared, {Long(summary, "changed"):N0} would change. Summary {Text(summary, "hash")}."));
        Matrix(console, "Outcomes", summary.GetProperty("outcomes"));
        Matrix(console, "Finality", summary.GetProperty("finality"));

        var conflicts = new CliTable("Conflicts per kind (recorded, and open of those)",
            new CliColumn("kind", CliWrap.Never), new CliColumn("severity"), new CliColumn("today"), new CliColumn("candidate"),
            new CliColumn("appear"), new CliColumn("disappear"), new CliColumn("severity changed"));
        foreach (var c in summary.GetProperty("conflicts").EnumerateArray())
        {
            conflicts.AddRow(Text(c, "kind"), Text(c, "severity"), $"{Long(c, "recordedToday")} ({Long(c, "openToday")} open)",
                $"{Long(c, "recordedCandidate")} ({Long(c, "openCandidate")} open)", Count(c, "appear"), Count(c, "disappear"), Count(c, "severityChanged"));
        }
        WriteIfAny(console, conflicts);

        var severities = new CliTable("Severity changes", new CliColumn("today", CliWrap.Never), new CliColumn("under the candidate", CliWrap.Never), new CliColumn("conflicts"));
        foreach (var s in summary.GetProperty("severityChanges").EnumerateArray())
        {
            severities.AddRow($"{Text(s, "fromKind")} ({Text(s, "fromSeverity")})", $"{Text(s, "toKind")} ({Text(s, "toSeverity")})", Count(s, "count"));
        }
        WriteIfAny(console, severities);

        var facets = new CliTable("Facets whose agreed truth changes", new CliColumn("facet", CliWrap.Never), new CliColumn("operations"));
        foreach (var f in summary.GetProperty("facets").EnumerateArray())
        {
            facets.AddRow(Text(f, "facet"), Count(f, "changed"));
        }
        WriteIfAny(console, facets);

        var decisions = summary.GetProperty("decisionsAtRisk");
        var listed = decisions.GetProperty("items");
        var table = new CliTable(string.Create(CultureInfo.InvariantCulture,
                $"Decisions at risk: {Long(decisions, "total"):N0}{(Long(decisions, "total") > listed.GetArrayLength() ? $", the first {listed.GetArrayLength()} (all: GET …/changes?kind=decision)" : "")}"),
            new CliColumn("operation", CliWrap.Never), new CliColumn("conflict", CliWrap.Never), new CliColumn("decision"), new CliColumn("by"),
            new CliColumn("at", CliWrap.Never), new CliColumn("why", CliWrap.Anywhere), new CliColumn("risk"), new CliColumn("under the candidate"));
        foreach (var d in listed.EnumerateArray())
        {
            var by = Text(d, "decidedBy") + (d.TryGetProperty("approvedBy", out var approver) ? $", approved by {approver.GetString()}" : "");
            var what = $"{Text(d, "decision")}: {Text(d, "resolution")}" + (d.TryGetProperty("overrideFacet", out var facet) ? $" {facet.GetString()}={Text(d, "overrideState")}" : "");
            table.AddRow(Text(d, "operationId"), Text(d, "conflictId"), what, by,
                d.GetProperty("decidedAt").GetDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Text(d, "reason"),
                Text(d, "risk"), Text(d, "candidate") is { Length: > 0 } candidate ? candidate : "not recorded");
        }
        WriteIfAny(console, table);

        var rejudged = summary.GetProperty("rejudged");
        if (Long(rejudged, "signals") > 0)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Stored as a version, it would judge again {Long(rejudged, "signals"):N0} signals held by {Long(rejudged, "conflicts"):N0} open unmodeled conflicts (counted above as judged in place)."));
        }

        var examples = new CliTable("Example operations per change", new CliColumn("change", CliWrap.Never), new CliColumn("operations"));
        foreach (var e in summary.GetProperty("examples").EnumerateArray())
        {
            examples.AddRow(Text(e, "change"), string.Join(' ', e.GetProperty("operationIds").EnumerateArray().Select(id => id.GetString())));
        }
        WriteIfAny(console, examples);
    }

    /// <summary>Counts from → to: a row per state today, a column per state under the candidate (a narrow table, so a short title).</summary>
    private static void Matrix(IAnsiConsole console, string title, JsonElement transitions)
    {
        var cells = transitions.EnumerateArray().Select(t => (From: Text(t, "from"), To: Text(t, "to"), Count: Long(t, "count"))).ToList();
        var targets = cells.Select(c => c.To).Distinct().Order(StringComparer.Ordinal).ToList();
        var table = new CliTable(title, [new CliColumn(MatrixCorner, CliWrap.Never), .. targets.Select(t => new CliColumn(t))]);
        foreach (var from in cells.Select(c => c.From).Distinct().Order(StringComparer.Ordinal))
        {
            table.AddRow([from, .. targets.Select(to => cells.FirstOrDefault(c => c.From == from && c.To == to) is { Count: > 0 } cell
                ? cell.Count.ToString("N0", CultureInfo.InvariantCulture) : "")]);
        }
        WriteIfAny(console, table);
    }

    private static void WriteIfAny(IAnsiConsole console, CliTable table)
    {
        if (table.RowCount > 0)
        {
            console.Write(table.For(console));
        }
    }

    private static string Count(JsonElement e, string name) => Long(e, name) is var n and > 0 ? n.ToString("N0", CultureInfo.InvariantCulture) : "";

    private static long Long(JsonElement e, string name) => e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    private static string Text(JsonElement e, string name) => ServerClient.Text(e, name);
}
