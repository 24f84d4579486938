using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Reconciler.Core.Judging;

namespace Reconciler.Core.State;

/// <summary>
/// The agreed truth of one operation, folded from its events; immutable so that time travel and
/// what-if replays can keep old states. Besides the view it keeps the bookkeeping the decider needs
/// to judge the next signal in O(facets): reports, effect keys, divergences, armed expectations. Receipts (which
/// signal ids a source used) are not part of it: the caller passes them in with each signal.
/// </summary>
public sealed record OperationState
{
    public static OperationState Initial { get; } = new();

    public string? OperationId { get; init; }
    public string? OperationType { get; init; }

    /// <summary>Number of events folded.</summary>
    public long Version { get; init; }
    public int PolicyVersion { get; init; }
    public string Outcome { get; init; } = Outcomes.Pending;
    private FacetsView? _facetsView;

    public int? OutcomeRuleIndex { get; init; }

    /// <summary>The facets the outcome rests on (its rule's facets, in ordinal order); none for pending.</summary>
    public ImmutableList<string> OutcomeFacets { get; init; } = [];

    /// <summary>Since when the outcome has been agreed without a break (<see cref="Finalities.Agreed"/>); null while it is not.</summary>
    public DateTimeOffset? AgreedSince { get; init; }

    /// <summary>True once the outcome was finalized (<see cref="Events.OutcomeFinalized"/>); a new outcome starts over.</summary>
    public bool Finalized { get; init; }

    /// <summary>How long the outcome must stay agreed to become final: the policy's <c>finalAfter</c> when it was declared.</summary>
    public TimeSpan? FinalAfter { get; init; }

    /// <summary>How sure the outcome is: final, agreed or provisional (<see cref="Finalities"/>); derived like <see cref="Health"/>.</summary>
    public string OutcomeFinality =>
        Finalized ? Finalities.Final
        : AgreedSince is null ? Finalities.Provisional
        : Finalities.Agreed;

    /// <summary>When the agreed outcome becomes final if it stays agreed and unchanged; null when nothing is pending.</summary>
    public DateTimeOffset? FinalDue => Finalized || AgreedSince is not { } since || FinalAfter is not { } after ? null : since + after;

    /// <summary>conflicted (an open conflict), else diverging (a disagreement inside its grace window), else consistent.</summary>
    public string Health =>
        OpenConflictCount > 0 ? HealthStates.Conflicted
        : Divergences.IsEmpty ? HealthStates.Consistent
        : HealthStates.Diverging;

    /// <summary>Each facet's agreed truth. Kept as a small array inside; this dictionary is built when asked for.</summary>
    public ImmutableDictionary<string, FacetTruth> Facets
    {
        get
        {
            if (_facetsView is { } view && ReferenceEquals(view.Slots, FacetSlots))
            {
                return view.Facets;
            }

            var built = FacetSlots.ToImmutableDictionary();
            _facetsView = new FacetsView(FacetSlots, built);
            return built;
        }

        init => FacetSlots = FacetSlots.From(value);
    }

    internal FacetSlots FacetSlots { get; init; } = FacetSlots.Empty;

    /// <summary>Open and closed conflict records, by conflict id.</summary>
    public ImmutableDictionary<string, ConflictRecord> Conflicts { get; init; } = ImmutableDictionary<string, ConflictRecord>.Empty;
    public int OpenConflictCount { get; init; }
    public DateTimeOffset? NextDeadline { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Every report each source made (facet, state, effect key, source sequence): finds retries in O(1).</summary>
    public ReportBook Reports { get; init; } = ReportBook.Empty;

    /// <summary>
    /// The signals each open <c>unmodeled</c> conflict about a facet or state holds (their stream versions, in order): recorded,
    /// not applied, and judged again when a newer policy version names what they lacked (<see cref="Events.SignalRejudged"/>).
    /// </summary>
    public ImmutableDictionary<string, ImmutableList<long>> Unmodeled { get; init; } = ImmutableDictionary<string, ImmutableList<long>>.Empty;

    /// <summary>The first effect key applied per <c>effect: once</c> facet.</summary>
    public ImmutableDictionary<string, string> EffectKeys { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Divergences inside their grace window, by the conflict id they would open.</summary>
    public ImmutableDictionary<string, Divergence> Divergences { get; init; } = ImmutableDictionary<string, Divergence>.Empty;

    /// <summary>Expectations whose trigger was reached and whose target does not hold yet.</summary>
    public ImmutableList<ArmedExpectation> Expectations { get; init; } = [];

    /// <summary>When the first signal came (engine time): the policy's <c>finishWithin</c> counts from it.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the operation must have a declared outcome (<see cref="Events.FinishClockStarted"/>); null: no such clock.</summary>
    public DateTimeOffset? FinishDue { get; init; }

    /// <summary>True once the engine saw <see cref="FinishDue"/> pass: it passes once, and an outcome that goes back to pending
    /// after that reopens the <c>unfinished</c> conflict at once.</summary>
    public bool FinishPassed { get; init; }

    /// <summary>The finish deadline while it runs: armed, not passed, and no outcome declared (a declared outcome stops it).</summary>
    public DateTimeOffset? FinishDeadline => !FinishPassed && Outcome == Outcomes.Pending ? FinishDue : null;

    /// <summary>The earliest <c>dueBy</c> of an open conflict that is not overdue yet (derived from <see cref="Conflicts"/>, kept
    /// so that <see cref="NextDeadline"/> need not look through every record on every event).</summary>
    public DateTimeOffset? ConflictsDue { get; init; }

    /// <summary>The open conflicts, oldest first (derived from <see cref="Conflicts"/>; not part of the snapshot).</summary>
    [JsonIgnore]
    public IEnumerable<ConflictRecord> OpenConflicts => Conflicts.Values.Where(c => c.IsOpen).OrderBy(c => c.OpenedAt).ThenBy(c => c.ConflictId, StringComparer.Ordinal);

    public FacetTruth FacetOrEmpty(string facet) => FacetSlots.Find(facet) ?? FacetTruth.Empty;

    public FacetTruth? FindFacet(string facet) => FacetSlots.Find(facet);

    public OperationState WithFacet(string facet, FacetTruth truth) => this with { FacetSlots = FacetSlots.With(facet, truth) };

    public bool IsConflictOpen(string conflictId) => Conflicts.TryGetValue(conflictId, out var c) && c.IsOpen;
}

/// <summary>The dictionary view of one facet array, built once when asked for.</summary>
internal sealed record FacetsView(FacetSlots Slots, ImmutableDictionary<string, FacetTruth> Facets);

/// <summary>A facet's agreed state, where it came from (basis owner|provisional|override|none), and every source's latest claim.</summary>
public sealed record FacetTruth(string? State, string? Source, string Basis, DateTimeOffset? Since, ImmutableList<SourceClaim> Claims)
{
    public static FacetTruth Empty { get; } = new(null, null, Bases.None, null, []);

    /// <summary>The state outcome rules and expectations may rest on: owner-backed or overridden only.</summary>
    public string? CountedState => Basis is Bases.Owner or Bases.Override ? State : null;

    public SourceClaim? ClaimOf(string source)
    {
        for (var i = 0; i < Claims.Count; i++)
        {
            if (Claims[i].Source == source)
            {
                return Claims[i];
            }
        }

        return null;
    }
}

/// <summary>A source's latest applied claim on a facet. <c>At</c> is receive time; <c>ObservedAt</c> the source's clock (or receive time);
/// <c>AttributesJson</c> the signal's attributes as sent (declared ones are compared).</summary>
public sealed record SourceClaim(string Source, string State, DateTimeOffset At, DateTimeOffset ObservedAt, long? SourceSequence, string SignalId, string? EffectKey)
{
    public string? AttributesJson { get; init; }
}

/// <summary>Two or more sources disagree on a facet, still inside the grace window that ends at <c>Due</c>. For an
/// attribute-mismatch, <c>Attribute</c> names the attribute and <c>Facets</c> (cross-facet only) the facets compared.</summary>
public sealed record Divergence(string ConflictId, string Kind, string Facet, ImmutableList<string> Sources, ImmutableList<string> States, DateTimeOffset Since, DateTimeOffset Due)
{
    public string? Attribute { get; init; }

    public ImmutableList<string>? Facets { get; init; }
}

/// <summary>An expectation whose trigger held at <c>ArmedAt</c>; <c>ConflictId</c> is set once its deadline passed unmet.</summary>
public sealed record ArmedExpectation(int Index, DateTimeOffset ArmedAt, DateTimeOffset Due, string? TriggerSource, string? ConflictId);
