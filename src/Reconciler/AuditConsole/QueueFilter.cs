using System.Globalization;
using Reconciler.Conflicts;
using Reconciler.Http;
using Reconciler.Store;
using Reconciler.Store.Conflicts;

namespace Reconciler.AuditConsole;

/// <summary>
/// The queue's filters as the URL keeps them (so a view can be shared): the query of <c>GET /v1/conflicts</c>, with
/// empty fields meaning "any" (a GET form sends every field). Times are ISO-8601 with an offset, or the
/// <c>yyyy-MM-ddTHH:mm</c> of a date-time field, read as UTC. The accountability filters (<see cref="AccountabilityFilter"/>)
/// make "my team" a link: <c>?assignee=finance</c> is a team's queue, snoozed conflicts left out unless asked for.
/// </summary>
public sealed record QueueFilter(
    string? Kind, string? Status, string? Severity, string? Source, string? Facet, string? OperationType, string? OperationId,
    string? From, string? To, string? Cursor)
{
    public static readonly string[] Names =
        ["kind", "status", "severity", "source", "facet", "operationType", "operationId", "from", "to", "assignee", "overdue", "acknowledged", "snoozed"];

    public string? Assignee { get; init; }

    public string? Overdue { get; init; }

    public string? Acknowledged { get; init; }

    public string? Snoozed { get; init; }

    public static QueueFilter Read(IQueryCollection query)
    {
        string? Get(string name) => query[name].ToString() is { Length: > 0 } value ? value.Trim() : null;
        return new(Get("kind"), Get("status"), Get("severity"), Get("source"), Get("facet"), Get("operationType"), Get("operationId"),
            Get("from"), Get("to"), Get("cursor"))
        {
            Assignee = Get("assignee"), Overdue = Get("overdue"), Acknowledged = Get("acknowledged"), Snoozed = Get("snoozed"),
        };
    }

    /// <summary>The store's filter and cursor, or the problems, each naming its field; <paramref name="now"/> decides what is snoozed.</summary>
    public (ConflictFilter? Filter, FeedCursor? Before, IReadOnlyList<(string Field, string Message)> Problems) Parse(DateTimeOffset now)
    {
        var problems = new List<(string, string)>();
        if (Status is not null and not ("open" or "resolved"))
        {
            problems.Add(("status", $"must be open or resolved, not '{Status}'"));
        }
        var (accountability, accountabilityProblem) = AccountabilityFilter.Parse(Assignee, Overdue, Acknowledged, Snoozed, now);
        if (accountabilityProblem is { } wrong)
        {
            problems.Add((wrong.Field, wrong.Message));
        }
        var from = Time(From, "from", problems);
        var to = Time(To, "to", problems);
        FeedCursor? before = null;
        if (Cursor is not null)
        {
            if (FeedCursor.TryDecode(Cursor, out var decoded))
            {
                before = decoded;
            }
            else
            {
                problems.Add(("cursor", "is not a page of this queue; start again from the first page"));
            }
        }
        return problems.Count > 0
            ? (null, null, problems)
            : (accountability.Apply(new ConflictFilter(Kind, Status, Severity, Source, Facet, OperationType, OperationId, from, to)), before, problems);
    }

    /// <summary>The filters as a query string (without the cursor), for links: CSV export, the next page, counts per kind.</summary>
    public string Query(string? kind = "\u0000", string? cursor = null)
    {
        var pairs = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                pairs.Add($"{name}={Uri.EscapeDataString(value)}");
            }
        }
        Add("kind", kind == "\u0000" ? Kind : kind);
        Add("status", Status);
        Add("severity", Severity);
        Add("source", Source);
        Add("facet", Facet);
        Add("operationType", OperationType);
        Add("operationId", OperationId);
        Add("from", From);
        Add("to", To);
        Add("assignee", Assignee);
        Add("overdue", Overdue);
        Add("acknowledged", Acknowledged);
        Add("snoozed", Snoozed);
        Add("cursor", cursor);
        return pairs.Count == 0 ? "" : "?" + string.Join("&", pairs);
    }

    private static DateTimeOffset? Time(string? text, string field, List<(string, string)> problems)
    {
        if (text is null)
        {
            return null;
        }
        if (IsoTime.TryParse(text, out var time))
        {
            return time.ToUniversalTime();
        }
        string[] local = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"];
        if (DateTime.TryParseExact(text, local, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc))
        {
            return new DateTimeOffset(utc, TimeSpan.Zero);
        }
        problems.Add((field, $"must be a UTC time such as 2026-12-02T10:00, not '{text}'"));
        return null;
    }
}
