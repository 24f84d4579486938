using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Judging;

/// <summary>
/// The pure decide/evolve pair of an operation. No IO, no clock: time comes in with the commands.
/// Every command first lets the deadlines that are due by its time pass (a <see cref="Tick"/> at that
/// time), so a signal or a resolution is judged on the truth as it stands then.
/// </summary>
public static class OperationDecider
{
    public static IReadOnlyList<OperationEvent> Decide(OperationState state, TruthPolicy policy, Command command) =>
        Handle(state, policy, command).Events;

    public static OperationState Evolve(OperationState state, OperationEvent @event) => OperationEvolver.Evolve(state, @event);

    public static OperationState Fold(IEnumerable<OperationEvent> events) => events.Aggregate(OperationState.Initial, Evolve);

    /// <summary>Decides and folds in one go: the events and the state they lead to.</summary>
    public static (IReadOnlyList<OperationEvent> Events, OperationState State) Handle(OperationState state, TruthPolicy policy, Command command)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(policy);
        var (at, policyVersion) = command switch
        {
            ReceiveSignal c => (c.ReceivedAt, c.PolicyVersion),
            ResolveConflict c => (c.At, c.PolicyVersion),
            ApproveResolution c => (c.At, c.PolicyVersion),
            RejectResolution c => (c.At, c.PolicyVersion),
            RejudgeConflict c => (c.At, c.PolicyVersion),
            AcknowledgeConflict c => (c.At, c.PolicyVersion),
            SnoozeConflict c => (c.At, c.PolicyVersion),
            AssignConflict c => (c.At, c.PolicyVersion),
            _ => (DateTimeOffset.MinValue, 0),
        };
        if (state.NextDeadline is { } due && due <= at)
        {
            var passed = Run(state, policy, new Tick(at, policyVersion) { Sources = command.Sources });
            var then = Run(passed.State, policy, command);
            return ([.. passed.Events, .. then.Events], then.State);
        }

        var decision = Run(state, policy, command);
        return (decision.Events, decision.State);
    }

    /// <summary>
    /// Why <paramref name="state"/> refuses <paramref name="signal"/> before judging it (it is of another operation type or
    /// id), or null: what <see cref="Handle"/> throws for it, asked first by a caller that checks other things after it.
    /// </summary>
    public static CommandRejectedException? RefusalOf(OperationState state, Signal signal) => SignalJudge.Refusal(state, signal);

    private static Decision Run(OperationState state, TruthPolicy policy, Command command)
    {
        var decision = command switch
        {
            ReceiveSignal c => SignalJudge.Decide(state, policy, c),
            Tick c => DeadlineJudge.Decide(state, policy, c),
            ResolveConflict c => ResolutionJudge.Decide(state, policy, c),
            ApproveResolution c => ApprovalJudge.Approve(state, policy, c),
            RejectResolution c => ApprovalJudge.Reject(state, policy, c),
            RejudgeConflict c => RejudgeJudge.Decide(state, policy, c),
            AcknowledgeConflict c => LifecycleJudge.Acknowledge(state, policy, c),
            SnoozeConflict c => LifecycleJudge.Snooze(state, policy, c),
            AssignConflict c => LifecycleJudge.Assign(state, policy, c),
            null => throw new ArgumentNullException(nameof(command)),
            _ => throw new ArgumentException($"Unknown command {command.GetType().Name}.", nameof(command)),
        };

        // The outcome's finality is judged once the decision is complete; then the finish clock starts if it should.
        OutcomeFinality.Finish(decision, policy);
        FinishJudge.Arm(decision, policy);
        return decision;
    }
}
