using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Tests.Support;

/// <summary>Given commands (their events become history) / When a command / Then the events it decided.</summary>
public sealed class Scenario(TruthPolicy policy, string operationId = "op-1")
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    public TruthPolicy Policy { get; private set; } = policy;
    public string OperationId { get; } = operationId;
    public List<OperationEvent> History { get; } = [];
    public OperationState State { get; private set; } = OperationState.Initial;

    /// <summary>The receipts of the history so far: what the server's signal_receipts table would hold.</summary>
    public SignalReceipts Receipts { get; } = new();

    /// <summary>Every command decided so far, as decided (a signal with the receipts it was looked up with).</summary>
    public List<Command> Commands { get; } = [];

    public static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    public Scenario Given(params Command[] commands)
    {
        foreach (var command in commands)
        {
            When(command);
        }

        return this;
    }

    public IReadOnlyList<OperationEvent> When(Command command)
    {
        // Like the server, which looks the signal id up in its receipts when the signal arrives.
        if (command is ReceiveSignal signal)
        {
            command = signal with
            {
                KnownContentHash = Receipts.Find(signal.Source, signal.Signal.SignalId),
                KnownSignal = Receipts.FindSignal(signal.Source, signal.Signal.SignalId),
            };
        }

        // The state Handle returns is the one the server snapshots; the properties compare it with the fold of History.
        var (events, state) = OperationDecider.Handle(State, Policy, command);
        Commands.Add(command);
        foreach (var e in events)
        {
            Receipts.Record(e);
        }

        State = state;
        History.AddRange(events);
        return events;
    }

    public ReceiveSignal Signal(string source, string facet, string state, string signalId, double seconds,
        long? sequence = null, string? effectKey = null, string? attributes = null, DateTimeOffset? observedAt = null) =>
        new(new Signal(OperationId, Policy.OperationType, signalId, facet, state, observedAt, sequence, effectKey, attributes, null, null),
            source, At(seconds), 1, null);

    public static Tick TickAt(double seconds) => new(At(seconds), 1);

    /// <summary>A newer policy version: the commands from now on are decided under it.</summary>
    public Scenario Publish(TruthPolicy newer)
    {
        Policy = newer;
        return this;
    }

    /// <summary>Re-judges a conflict with every signal received so far, as the server reads them (the core takes the ones it holds).</summary>
    public RejudgeConflict Rejudge(string conflictId, double seconds, int policyVersion) =>
        new(conflictId, [.. History.Select((e, i) => (e, Version: i + 1L)).Where(x => x.e is SignalReceived)
            .Select(x => new StoredSignal(x.Version, (SignalReceived)x.e))], At(seconds), policyVersion);

    public ConflictRecord Conflict(string kind, string? facet = null) =>
        State.Conflicts.Values.Single(c => c.Kind == kind && (facet is null || c.Facet == facet));

    public static IEnumerable<string> Types(IEnumerable<OperationEvent> events) => events.Select(EventCodec.TypeName);
}
