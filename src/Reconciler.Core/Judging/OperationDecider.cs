using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Core.Views;

namespace Reconciler.Core.Judging;

/// <summary>The pure decide/evolve pair of an operation. No IO, no clock: time comes in with the commands.</summary>
public static class OperationDecider
{
    public static IReadOnlyList<OperationEvent> Decide(OperationState state, TruthPolicy policy, Command command) =>
        Run(state, policy, command).Events;

    private static Decision Run(OperationState state, TruthPolicy policy, Command command)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(policy);
        return command switch
        {
            ReceiveSignal c => SignalJudge.Decide(state, policy, c),
            Tick c => DeadlineJudge.Decide(state, policy, c),
            ResolveConflict c => ResolutionJudge.Decide(state, policy, c),
            null => throw new ArgumentNullException(nameof(command)),
            _ => throw new ArgumentException($"Unknown command {command.GetType().Name}.", nameof(command)),
        };
    }

    public static OperationState Evolve(OperationState state, OperationEvent @event) => OperationEvolver.Evolve(state, @event);

    public static OperationState Fold(IEnumerable<OperationEvent> events) => events.Aggregate(OperationState.Initial, Evolve);

    /// <summary>Decides and folds in one go: the events and the state they lead to.</summary>
    public static (IReadOnlyList<OperationEvent> Events, OperationState State) Handle(OperationState state, TruthPolicy policy, Command command)
    {
        var decision = Run(state, policy, command);
        return (decision.Events, decision.State);
    }
}
