using Reconciler.Core.Judging;

namespace Reconciler.Ingest;

/// <summary>What became of one signal of a request (API.md): accepted, recorded or rejected. <c>Outcome</c>, <c>Health</c>
/// and <c>NextDeadline</c> are the operation's after the whole request; <c>NextDeadline</c> (as in the truth) says when a
/// diverging operation is judged next, and is left out when nothing is pending.</summary>
public sealed record SignalResult(
    int Index,
    string OperationId,
    string Status,
    long? Position,
    long? Version,
    string? Outcome,
    string? Health,
    DateTimeOffset? NextDeadline,
    IReadOnlyList<OpenedConflict> ConflictsOpened,
    SignalProblem? Problem);

/// <summary>Why a signal was rejected: a stable <c>type</c> slug and what to fix.</summary>
public sealed record SignalProblem(string Type, string Title, string Detail);

/// <summary>The status of a refused signal; accepted and recorded come from the core's <see cref="SignalVerdict"/>.</summary>
public static class SignalStatuses
{
    public const string Rejected = "rejected";
}
