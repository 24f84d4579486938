using Spectre.Console;
using Spectre.Console.Rendering;

namespace Reconciler.Cli;

/// <summary>How a column's cells may wrap.</summary>
public enum CliWrap
{
    /// <summary>Never: an id, which a reader copies and searches for whole.</summary>
    Never,

    /// <summary>Between words only: text that holds ids or names among its words.</summary>
    BetweenWords,

    /// <summary>Anywhere: long free text, where a word of more than 20 characters may break.</summary>
    Anywhere,
}

public sealed record CliColumn(string Header, CliWrap Wrap = CliWrap.BetweenWords);

/// <summary>
/// A table for the terminal that never breaks an id (Spectre.Console shrinks every column, ids included, when a table is
/// wider than the terminal). Column widths are fixed here: ids at their full length, other columns as wide as the room
/// left allows and never narrower than their wrapping permits. When that cannot fit the terminal, each row is printed as
/// a block of "header  value" lines instead, where an id breaks only if it is longer than the terminal is wide.
/// </summary>
public sealed class CliTable(string title, params CliColumn[] columns)
{
    // A square border: one edge each side and one separator between columns; one space of padding each side of a cell.
    private const int BorderAndPadding = 3;
    private const int LongestUnbrokenWord = 20;

    private readonly List<string[]> _rows = [];

    public int RowCount => _rows.Count;

    public CliTable AddRow(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != columns.Length)
        {
            throw new ArgumentException($"A row of '{title}' has {columns.Length} cells, not {cells.Length}.", nameof(cells));
        }
        _rows.Add(cells);
        return this;
    }

    /// <summary>The table at the console's width, or the rows one below the other when it cannot fit.</summary>
    public IRenderable For(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var room = console.Profile.Width - (BorderAndPadding * columns.Length) - 1;
        var widths = Widths(room);
        return widths is null ? Vertical() : Table(widths);
    }

    private int[]? Widths(int room)
    {
        var widest = new int[columns.Length];
        var least = new int[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            var cells = _rows.Select(r => r[i]).Append(columns[i].Header).ToList();
            widest[i] = cells.Max(c => Lines(c).Max(line => line.Length));
            var longestWord = cells.Max(c => Words(c).DefaultIfEmpty("").Max(w => w.Length));
            least[i] = columns[i].Wrap switch
            {
                CliWrap.Never => widest[i],
                CliWrap.BetweenWords => longestWord,
                _ => Math.Min(widest[i], Math.Max(columns[i].Header.Length, Math.Min(longestWord, LongestUnbrokenWord))),
            };
        }
        var spare = room - least.Sum();
        if (spare < 0)
        {
            return null;
        }
        // The room left is shared fairly: the columns that want least get all they want (a time, a status stays on one
        // line), and what remains is split evenly between the wider ones, which wrap.
        var widths = (int[])least.Clone();
        var order = Enumerable.Range(0, columns.Length).OrderBy(i => widest[i] - least[i]).ToList();
        for (var k = 0; k < order.Count; k++)
        {
            var i = order[k];
            var share = spare / (order.Count - k);
            var given = Math.Min(widest[i] - least[i], share);
            widths[i] += given;
            spare -= given;
        }
        return widths;
    }

    private Table Table(int[] widths)
    {
        var table = new Table().Title(Markup.Escape(title));
        for (var i = 0; i < columns.Length; i++)
        {
            table.AddColumn(new TableColumn(Markup.Escape(columns[i].Header)) { Width = widths[i], NoWrap = columns[i].Wrap == CliWrap.Never });
        }
        foreach (var row in _rows)
        {
            table.AddRow(row.Select(cell => (IRenderable)new Text(cell)).ToArray());
        }
        return table;
    }

    private Rows Vertical()
    {
        var blocks = new List<IRenderable> { new Markup($"[bold]{Markup.Escape(title)}[/]") };
        foreach (var row in _rows)
        {
            // Headers on the left; a value that wraps stays indented under its own column.
            var block = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn(new GridColumn().PadRight(0));
            for (var i = 0; i < columns.Length; i++)
            {
                if (row[i].Length > 0)
                {
                    block.AddRow(new Text(columns[i].Header), new Text(row[i]));
                }
            }
            blocks.Add(Text.Empty);
            blocks.Add(block);
        }
        blocks.Add(Text.Empty);
        return new Rows(blocks);
    }

    private static string[] Lines(string cell) => cell.Split('\n');

    private static IEnumerable<string> Words(string cell) => cell.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
}
