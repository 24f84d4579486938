using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>
/// What people do with an open conflict before it is resolved (acknowledge, snooze, assign) and what its clock does when its
/// <c>dueBy</c> passes (overdue, then escalated to the policy's <c>escalateTo</c>). Each step is an event of the operation's
/// stream. A step repeated as it was (the same person acknowledging, the same snooze, the same handover) decides nothing.
/// </summary>
internal static class LifecycleJudge
{
    public static Decision Acknowledge(OperationState state, TruthPolicy policy, AcknowledgeConflict c)
    {
        var record = ResolutionJudge.OpenConflict(state, c.ConflictId);
        RequireIdentity(c.AcknowledgedBy);
        var d = new Decision(state, policy, c.PolicyVersion, c.At, null, null, c.AcknowledgedBy);
        if (record.AcknowledgedBy != c.AcknowledgedBy)
        {
            d.Add(new ConflictAcknowledged(c.ConflictId, record.Kind, c.AcknowledgedBy, record.Assignee) { At = c.At, PolicyVersion = c.PolicyVersion });
        }

        return d;
    }

    public static Decision Snooze(OperationState state, TruthPolicy policy, SnoozeConflict c)
    {
        var record = ResolutionJudge.OpenConflict(state, c.ConflictId);
        RequireIdentity(c.SnoozedBy);
        RequireReason(c.Reason, "snooze");
        var d = new Decision(state, policy, c.PolicyVersion, c.At, null, null, c.SnoozedBy);
        if (record.SnoozedUntil == c.Until && record.SnoozeReason == c.Reason)
        {
            return d;
        }

        if (c.Until <= c.At)
        {
            throw new CommandRejectedException("snooze-in-the-past",
                $"A conflict is snoozed until a later time: {c.Until:O} is not after {c.At:O}.");
        }

        d.Add(new ConflictSnoozed(c.ConflictId, record.Kind, c.Until, c.Reason, c.SnoozedBy) { At = c.At, PolicyVersion = c.PolicyVersion });
        return d;
    }

    public static Decision Assign(OperationState state, TruthPolicy policy, AssignConflict c)
    {
        var record = ResolutionJudge.OpenConflict(state, c.ConflictId);
        RequireIdentity(c.AssignedBy);
        RequireReason(c.Reason, "handover");
        if (c.Assignee is null || !PolicyReading.NamePattern().IsMatch(c.Assignee))
        {
            throw new CommandRejectedException("invalid-assignee",
                $"'{c.Assignee}' is not a team name: {PolicyReading.NameRule}.");
        }

        var d = new Decision(state, policy, c.PolicyVersion, c.At, null, null, c.AssignedBy);
        if (record.Assignee == c.Assignee)
        {
            // The same handover again (a retried request) decides nothing; any other one to the team that has it makes no sense.
            return record.AssignedBy == c.AssignedBy && record.AssignReason == c.Reason
                ? d
                : throw new CommandRejectedException("same-assignee", $"Conflict '{c.ConflictId}' is assigned to '{c.Assignee}' already.");
        }

        d.Add(new ConflictAssigned(c.ConflictId, record.Kind, record.Assignee, c.Assignee, c.Reason, c.AssignedBy) { At = c.At, PolicyVersion = c.PolicyVersion });
        return d;
    }

    /// <summary>An open conflict's <c>dueBy</c> passed: it is overdue and, when the policy names a team to escalate to that
    /// does not have it yet, handed to that team. Nothing when an earlier step of the same tick closed it.</summary>
    public static void PassDue(Decision d, TruthPolicy policy, string conflictId, DateTimeOffset dueBy)
    {
        if (d.State.Conflicts.GetValueOrDefault(conflictId) is not { AwaitsDue: true } record || record.DueBy != dueBy)
        {
            return;
        }

        d.Add(new ConflictOverdue(conflictId, record.Kind, record.Severity, dueBy, record.Assignee) { At = d.At, PolicyVersion = d.PolicyVersion });
        if (policy.Accountability.EscalateTo is { } team && team != record.Assignee)
        {
            d.Add(new ConflictEscalated(conflictId, record.Kind, record.Assignee, team, dueBy) { At = d.At, PolicyVersion = d.PolicyVersion });
        }
    }

    private static void RequireIdentity(string identity)
    {
        if (string.IsNullOrWhiteSpace(identity))
        {
            throw new CommandRejectedException("identity-required", "Every step on a conflict is taken by an identified key.");
        }
    }

    private static void RequireReason(string reason, string what)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new CommandRejectedException("reason-required", $"A {what} needs a reason, for whoever picks the conflict up next.");
        }
    }
}
