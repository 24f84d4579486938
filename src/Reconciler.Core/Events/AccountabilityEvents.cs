namespace Reconciler.Core.Events;

// The lifecycle of a conflict that people act on (acknowledged, snoozed, assigned), its clock running out (overdue, escalated),
// and the clock of an operation that must finish. Storage format, like every event: add new types, never edit these.

/// <summary>The operation must have a declared outcome by <c>Due</c>: its first signal came at <c>Since</c> and the policy's
/// <c>accountability.finishWithin</c> was <c>FinishWithin</c> (ISO-8601). Past <c>Due</c> with the outcome still pending, an
/// <c>unfinished</c> conflict opens.</summary>
public sealed record FinishClockStarted(DateTimeOffset Since, DateTimeOffset Due, string FinishWithin) : OperationEvent;

/// <summary>A person (<c>AcknowledgedBy</c>, an identified key) took the open conflict on, for its <c>Assignee</c> as it was then.</summary>
public sealed record ConflictAcknowledged(string ConflictId, string Kind, string AcknowledgedBy, string? Assignee) : OperationEvent;

/// <summary>The conflict leaves the default queue until <c>Until</c>, for <c>Reason</c>; its status and its clock do not change.</summary>
public sealed record ConflictSnoozed(string ConflictId, string Kind, DateTimeOffset Until, string Reason, string SnoozedBy) : OperationEvent;

/// <summary>The conflict is handed from <c>PreviousAssignee</c> to the team <c>Assignee</c> by <c>AssignedBy</c>, for <c>Reason</c>;
/// nobody in that team has acknowledged it yet.</summary>
public sealed record ConflictAssigned(string ConflictId, string Kind, string? PreviousAssignee, string Assignee, string Reason, string AssignedBy)
    : OperationEvent;

/// <summary>The conflict was still open when its <c>DueBy</c> passed (observed at <c>At</c>), while assigned to <c>Assignee</c>.</summary>
public sealed record ConflictOverdue(string ConflictId, string Kind, string Severity, DateTimeOffset DueBy, string? Assignee) : OperationEvent;

/// <summary>An overdue conflict was handed from <c>PreviousAssignee</c> to the policy's <c>accountability.escalateTo</c> (<c>Assignee</c>).</summary>
public sealed record ConflictEscalated(string ConflictId, string Kind, string? PreviousAssignee, string Assignee, DateTimeOffset DueBy) : OperationEvent;
