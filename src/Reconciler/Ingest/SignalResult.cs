namespace Reconciler.Ingest;

/// <summary>What became of one signal of a request (API.md): accepted, recorded or rejected.</summary>
public sealed record SignalResult(
    int Index,
    string OperationId,
    string Status,
    long? Position,
    long? Version,
    string? Outcome,
    string? Health,
    IReadOnlyList<OpenedConflict> ConflictsOpened,
    SignalProblem? Problem);

public sealed record OpenedConflict(string ConflictId, string Kind, string Severity, string? Facet);

/// <summary>Why a signal was rejected: a stable <c>type</c> slug and what to fix.</summary>
public sealed record SignalProblem(string Type, string Title, string Detail);

public static class SignalStatuses
{
    public const string Accepted = "accepted";
    public const string Recorded = "recorded";
    public const string Rejected = "rejected";
}
