using Reconciler.Core.Events;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;
using Reconciler.Core.Storms;

namespace Reconciler.Store.Writing;

/// <summary>A signal id a source has used: for which operation, the content hash of its first signal, and that signal
/// (so that a reuse with other content can say which fields changed; null if its event could not be read).</summary>
public readonly record struct Receipt(string OperationId, string ContentHash, Signal? First);

/// <summary>
/// What one unit of work sees and decides: the locked operations' states, the newest policy versions, the
/// receipts of the request's signal ids — and the events decided so far, which the writer saves together.
/// Each <see cref="Append"/> moves an operation's state on, so a later decision in the same unit judges
/// against it; receipts of the events appended here count as well.
/// </summary>
public sealed class WriteBatch
{
    private readonly Dictionary<string, OperationState> _states;
    private readonly IReadOnlyDictionary<string, int> _policyVersions;
    private readonly Func<string, int, TruthPolicy> _policy;
    private readonly Dictionary<(string Source, string SignalId), Receipt> _receipts;
    private readonly Dictionary<string, StagedOperation> _staged = new(StringComparer.Ordinal);
    private readonly long _systemVersion;
    private readonly List<SystemEvent> _system = [];
    // What each Append changed, newest last, so that one request's part of a merged unit can be taken back.
    private readonly List<Action> _undo = [];

    internal WriteBatch(
        DateTimeOffset now, Dictionary<string, OperationState> states, IReadOnlyDictionary<string, int> policyVersions,
        Func<string, int, TruthPolicy> policy, Dictionary<(string, string), Receipt> receipts, long systemVersion = 0)
    {
        _systemVersion = systemVersion;
        Now = now;
        _states = states;
        _policyVersions = policyVersions;
        _policy = policy;
        _receipts = receipts;
    }

    /// <summary>The engine's time for this unit of work, read after the operations were locked.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>The operation's state with what this unit already decided; the initial state for a new operation.</summary>
    public OperationState StateOf(string operationId) => _states.GetValueOrDefault(operationId) ?? OperationState.Initial;

    /// <summary>The newest policy version of an operation type, or null when it has no policy.</summary>
    public int? LatestPolicyVersion(string operationType) => _policyVersions.TryGetValue(operationType, out var v) ? v : null;

    public TruthPolicy Policy(string operationType, int version) => _policy(operationType, version);

    /// <summary>The receipt of (<paramref name="source"/>, <paramref name="signalId"/>): stored, or appended in this unit; null when the id is new.</summary>
    public Receipt? ReceiptOf(string source, string signalId) =>
        _receipts.TryGetValue((source, signalId), out var receipt) ? receipt : null;

    /// <summary>A point to <see cref="RollBackTo"/>: what is staged from here on can be taken back.</summary>
    public int Checkpoint() => _undo.Count;

    /// <summary>
    /// Takes back everything staged since <paramref name="checkpoint"/> (states, events, receipts), as if it had never
    /// been decided: a request that fails inside a merged unit leaves the others' decisions as they were.
    /// </summary>
    public void RollBackTo(int checkpoint)
    {
        for (var i = _undo.Count - 1; i >= checkpoint; i--)
        {
            _undo[i]();
        }
        _undo.RemoveRange(checkpoint, _undo.Count - checkpoint);
    }

    /// <summary>
    /// The decide step every writer shares: the operation's state in this unit, its policy at <paramref name="policyVersion"/>,
    /// the core's <see cref="OperationDecider.Handle"/> (which throws <see cref="CommandRejectedException"/> for a refusal,
    /// staging nothing), and <see cref="Append"/>. Returns the events decided and where they will be.
    /// </summary>
    public (IReadOnlyList<OperationEvent> Events, StagedEvents Staged) Decide(
        string operationId, string operationType, int policyVersion, Command command, EventMetadata metadata)
    {
        var (events, after) = OperationDecider.Handle(StateOf(operationId), Policy(operationType, policyVersion), command);
        return (events, Append(operationId, operationType, events, after, metadata));
    }

    /// <summary>
    /// Stages events decided for an operation, and <paramref name="after"/>, the state they fold to. Every
    /// <see cref="SignalReceived"/> among them is a first reception: its receipt is recorded with it.
    /// Returns where they will be: their versions now, their positions once the unit is saved.
    /// </summary>
    public StagedEvents Append(string operationId, string operationType, IReadOnlyList<OperationEvent> events, OperationState after, EventMetadata metadata)
    {
        if (events.Count == 0)
        {
            return new StagedEvents(operationId, StateOf(operationId).Version + 1, 0, null);
        }
        var before = StateOf(operationId);
        if (after.Version != before.Version + events.Count)
        {
            throw new ArgumentException($"The state after {events.Count} event(s) on version {before.Version} of '{operationId}' must be version {before.Version + events.Count}, not {after.Version}.", nameof(after));
        }
        if (!_staged.TryGetValue(operationId, out var staged))
        {
            staged = new StagedOperation(operationId, operationType, before);
            _staged.Add(operationId, staged);
            _undo.Add(() => _staged.Remove(operationId));
        }
        var (eventsBefore, afterBefore) = (staged.Events.Count, staged.After);
        var hadState = _states.TryGetValue(operationId, out var stateBefore);
        _undo.Add(() =>
        {
            staged.Events.RemoveRange(eventsBefore, staged.Events.Count - eventsBefore);
            staged.After = afterBefore;
            if (hadState)
            {
                _states[operationId] = stateBefore!;
            }
            else
            {
                _states.Remove(operationId);
            }
        });
        var appended = new StagedEvents(operationId, before.Version + 1, events.Count, staged);
        foreach (var e in events)
        {
            staged.Events.Add((e, metadata));
            if (e is SignalReceived received)
            {
                var key = (received.Source, received.SignalId);
                var hadReceipt = _receipts.TryGetValue(key, out var receiptBefore);
                _undo.Add(() =>
                {
                    if (hadReceipt)
                    {
                        _receipts[key] = receiptBefore;
                    }
                    else
                    {
                        _receipts.Remove(key);
                    }
                });
                _receipts[key] = new Receipt(operationId, received.ContentHash, SignalReceipts.SignalOf(received));
            }
        }
        staged.After = after;
        _states[operationId] = after;
        return appended;
    }

    /// <summary>Stages events of the system stream (the scope must include it: <see cref="WriteScope.SystemStream"/>).</summary>
    public void AppendSystem(IReadOnlyList<SystemEvent> events)
    {
        var count = _system.Count;
        _undo.Add(() => _system.RemoveRange(count, _system.Count - count));
        _system.AddRange(events);
    }

    internal IReadOnlyCollection<StagedOperation> Staged => _staged.Values;

    /// <summary>The system stream's version when loaded, and its events staged in this unit.</summary>
    internal (long Before, IReadOnlyList<SystemEvent> Events) StagedSystem => (_systemVersion, _system);

    internal bool HasStaged => _staged.Count > 0 || _system.Count > 0;
}

/// <summary>The events staged for one operation in a unit of work, from its loaded state to <see cref="After"/>.</summary>
internal sealed class StagedOperation(string operationId, string operationType, OperationState before)
{
    public string OperationId { get; } = operationId;
    public string OperationType { get; } = operationType;
    public OperationState Before { get; } = before;
    public OperationState After { get; set; } = before;
    public List<(OperationEvent Event, EventMetadata Metadata)> Events { get; } = [];

    /// <summary>The global positions of <see cref="Events"/>, set when the unit is saved.</summary>
    public long[] Positions { get; set; } = [];
}

/// <summary>Events appended by one call: versions <see cref="FirstVersion"/>.. of the stream; positions after the save.</summary>
public sealed class StagedEvents
{
    private readonly StagedOperation? _operation;

    internal StagedEvents(string operationId, long firstVersion, int count, StagedOperation? operation)
    {
        OperationId = operationId;
        FirstVersion = firstVersion;
        Count = count;
        _operation = operation;
    }

    public string OperationId { get; }
    public long FirstVersion { get; }
    public int Count { get; }

    /// <summary>The global position of the event at <paramref name="offset"/> among these (0 = the first); known once the unit is committed.</summary>
    public long PositionOf(int offset) =>
        _operation is { Positions.Length: > 0 } operation
            ? operation.Positions[(int)(FirstVersion - operation.Before.Version - 1) + offset]
            : throw new InvalidOperationException("Positions are known once the unit of work is committed.");
}
