using System.Globalization;
using System.Text.Json;
using Reconciler.Api;
using Reconciler.Responses;
using static Reconciler.AuditConsole.Records;

namespace Reconciler.AuditConsole;

/// <summary>
/// An operation's stream laid out for the timeline: one column per event (in version order, so bursts a few
/// milliseconds apart stay readable, with the time between columns written above them), one lane per source
/// plus the engine's and the operators', and spans for grace windows, expectations and conflicts while open.
/// </summary>
public sealed class TimelineModel
{
    public const string EngineLane = "engine";
    public const string OperatorLane = "operators";

    public sealed record Mark(int Column, long Version, string Lane, string Shape, string Css, string Label);

    /// <summary>A window or a conflict from one column to another; <c>Open</c> when it had not ended by the last event.</summary>
    public sealed record Span(string Band, int From, int To, bool Open, string Css, string Label);

    public sealed record Gap(int Column, string Text);

    public IReadOnlyList<string> Lanes { get; }
    public IReadOnlyList<Mark> Marks { get; }
    public IReadOnlyList<Span> Spans { get; }
    public IReadOnlyList<Gap> Gaps { get; }
    public int Columns { get; }

    private readonly Dictionary<string, int> _laneIndex;

    private TimelineModel(IReadOnlyList<string> lanes, IReadOnlyList<Mark> marks, IReadOnlyList<Span> spans, IReadOnlyList<Gap> gaps, int columns)
    {
        (Lanes, Marks, Spans, Gaps, Columns) = (lanes, marks, spans, gaps, columns);
        _laneIndex = lanes.Select((lane, index) => (lane, index)).ToDictionary(l => l.lane, l => l.index, StringComparer.Ordinal);
    }

    public int LaneOf(string lane) => _laneIndex[lane];

    public static TimelineModel From(IReadOnlyList<StreamEvent> events)
    {
        var lanes = new List<string>();
        var marks = new List<Mark>();
        var spans = new List<Span>();
        var gaps = new List<Gap>();
        var opened = new Dictionary<string, (int Column, string Label, bool Absorbed)>(StringComparer.Ordinal);
        var windows = new Dictionary<string, (int Column, string Label)>(StringComparer.Ordinal);
        var hasOperators = false;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var data = e.Data;
            if (i > 0 && e.Time - events[i - 1].Time is { TotalMilliseconds: >= 100 } gap)
            {
                gaps.Add(new Gap(i, "+" + Span(gap)));
            }
            var label = $"v{e.Version} · {e.Time.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} · {EventText.Describe(e.Type, data)}";
            switch (e.Type)
            {
                case "SignalReceived" or "SignalDuplicated" or "SignalRejudged":
                    var source = Text(data, "source");
                    if (!lanes.Contains(source))
                    {
                        lanes.Add(source);
                    }
                    var applied = e.Type != "SignalDuplicated" && Text(data, "applied") == "true";
                    marks.Add(new Mark(i, e.Version, source, "circle", applied ? "signal" : "duplicate", label));
                    break;
                case "OperatorResolved":
                    hasOperators = true;
                    marks.Add(new Mark(i, e.Version, OperatorLane, "diamond", "operator", label));
                    break;
                case "ConflictOpened":
                    var absorbed = Reconciler.Core.Judging.ConflictKinds.IsAbsorbed(Text(data, "kind"));
                    opened[Text(data, "conflictId")] = (i, $"{Text(data, "kind")} on {Text(data, "facet")}", absorbed);
                    marks.Add(new Mark(i, e.Version, EngineLane, "square", absorbed ? "absorbed" : "decision", label));
                    break;
                case "ConflictResolved":
                    var id = Text(data, "conflictId");
                    if (opened.Remove(id, out var start) && !start.Absorbed)
                    {
                        spans.Add(new Span("conflicts", start.Column, i, false, "span-conflict", $"{start.Label}: open until v{e.Version} ({Text(data, "resolution")})"));
                    }
                    marks.Add(new Mark(i, e.Version, EngineLane, "square", Text(data, "resolution") == "absorbed" ? "absorbed" : "decision", label));
                    break;
                case "DivergenceStarted":
                    windows["grace:" + Text(data, "conflictId")] = (i, $"grace window on {Text(data, "facet")} (due {DueText(data)})");
                    marks.Add(new Mark(i, e.Version, EngineLane, "square", "decision", label));
                    break;
                case "DivergenceEnded":
                    CloseWindow("grace:" + Text(data, "conflictId"), i);
                    marks.Add(new Mark(i, e.Version, EngineLane, "square", "decision", label));
                    break;
                case "ExpectationArmed":
                    windows["expectation:" + Text(data, "expectationIndex")] = (i, $"expectation #{Text(data, "expectationIndex")} (due {DueText(data)})");
                    marks.Add(new Mark(i, e.Version, EngineLane, "square", "decision", label));
                    break;
                case "ExpectationMet" or "ExpectationWithdrawn":
                    CloseWindow("expectation:" + Text(data, "expectationIndex"), i);
                    marks.Add(new Mark(i, e.Version, EngineLane, "square", "decision", label));
                    break;
                case "DeadlinePassed":
                    CloseWindow(Text(data, "deadlineKind") == "grace" ? "grace:" + Text(data, "subject") : "expectation:" + Text(data, "expectationIndex"), i);
                    marks.Add(new Mark(i, e.Version, EngineLane, "triangle", "deadline", label));
                    break;
                case "OutcomeDeclared":
                    marks.Add(new Mark(i, e.Version, EngineLane, "diamond", "outcome", label));
                    break;
                default:
                    marks.Add(new Mark(i, e.Version, EngineLane, "square", "decision", label));
                    break;
            }
        }
        var last = Math.Max(events.Count - 1, 0);
        foreach (var (_, (column, label)) in windows)
        {
            spans.Add(new Span("deadlines", column, last, true, "span-window", label + ", still running"));
        }
        foreach (var (_, (column, label, absorbed)) in opened)
        {
            if (!absorbed)
            {
                spans.Add(new Span("conflicts", column, last, true, "span-conflict-open", label + ": still open"));
            }
        }
        lanes.Add(EngineLane);
        if (hasOperators)
        {
            lanes.Add(OperatorLane);
        }
        return new TimelineModel(lanes, marks, spans.OrderBy(s => s.Band).ThenBy(s => s.From).ToList(), gaps, events.Count);

        void CloseWindow(string key, int column)
        {
            if (windows.Remove(key, out var window))
            {
                spans.Add(new Span("deadlines", window.Column, column, false, "span-window", window.Label));
            }
        }
    }

    private static string DueText(JsonElement data) =>
        Time(data, "due") is { } due ? due.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) : "?";
}
