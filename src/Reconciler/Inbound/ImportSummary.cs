namespace Reconciler.Inbound;

/// <summary>One row that made no signal, or whose signal was rejected: its number as a spreadsheet shows it (the header is row 1) and why.</summary>
public sealed record ImportProblem(long Row, string Reason);

/// <summary>
/// What an import did, answered at its end and kept (<c>GET /v1/sources/{source}/imports/{id}</c>): rows read, signals
/// ingested and what became of them — accepted, recorded (not applied: stale, unmodeled, …), duplicates (a row whose signal
/// id was imported before: a second import of the same file adds only these) — and rows that made no signal: rejected (the
/// row or its signal was refused) and unmatched (no rule's <c>when</c> held), each listed with its row number (the first
/// <see cref="MaxProblems"/>). <c>status</c> is <c>running</c>, <c>done</c>, <c>failed</c> (the file broke off: <c>failure</c>
/// says where; the rows before it were imported) or <c>interrupted</c> (the client went away).
/// </summary>
public sealed record ImportSummary(
    long ImportId, string Source, int MappingVersion, string Status, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt,
    long Rows, long Signals, long Accepted, long Recorded, long Duplicates, long Rejected, long Unmatched,
    IReadOnlyList<ImportProblem> Problems, bool? ProblemsTruncated = null, string? Failure = null)
{
    public const int MaxProblems = 1000;
}

/// <summary>The statuses of an import.</summary>
public static class ImportStatus
{
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Interrupted = "interrupted";
}
