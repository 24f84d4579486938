using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;

namespace Reconciler.Core.Tests.Support;

/// <summary>
/// Random but reproducible command scripts for properties: every seed decodes into a signal (owners,
/// non-owners, unknown facets and states, reused signal ids, sequences, effect keys), a redelivery,
/// a tick or an operator resolution. Time only moves forward.
/// </summary>
public static class Scripts
{
    private static readonly string[] Sources = ["payment-gateway", "warehouse", "erp", "crm", "email", "auditor-x"];
    private static readonly string[] FacetNames = ["payment", "inventory", "ledger", "journey", "notification", "tax", "channel"];

    // Attributes as sources send them: amounts close and far apart, other currencies, a value that does not parse, times.
    private static readonly string?[] AttributeSets =
    [
        null,
        """{"amount":"100.00","currency":"EUR","ref":"R-1"}""",
        """{"amount":"100.40","currency":"EUR"}""",
        """{"amount":"103","currency":"USD","ref":"R-2"}""",
        """{"amount":"12,5"}""",
        """{"amount":100,"capturedAt":"2026-11-21T10:00:00Z"}""",
        """{"capturedAt":"2026-11-21T10:00:05Z","ref":"R-1"}""",
    ];
    private static readonly string[] ResolutionNames = [Resolutions.Accepted, Resolutions.Compensated, Resolutions.Dismissed, Resolutions.Overridden];
    private static readonly string[] Teams = ["finance", "crm-team", "order-ops", "ops-leads", "treasury"];
    private static readonly string[] People = ["ann", "bob", "carol"];

    public static Arbitrary<int[]> Seeds { get; } = Gen.ArrayOf(Gen.Choose(0, int.MaxValue)).ToArbitrary();

    public static Config Thousand { get; } = Config.QuickThrowOnFailure.WithMaxTest(1000);

    /// <summary>For properties whose every case plays a whole script and then ticks through its clocks: each CI run draws
    /// new seeds, so coverage adds up across runs while the suite stays inside its time budget.</summary>
    public static Config TwoHundred { get; } = Config.QuickThrowOnFailure.WithMaxTest(200);

    /// <summary>The sample policies the properties run under: the order, amounts that must agree (attributes, matches, finalAfter),
    /// and the order with people accountable (assignees, clocks, escalation, the finish clock; people acknowledge, snooze, assign).</summary>
    public static TheoryData<string> PolicyNames => ["order", "payments", "accountable"];

    public static TruthPolicy PolicyNamed(string name) => name switch
    {
        "payments" => SamplePolicies.Payments,
        "accountable" => SamplePolicies.Accountable,
        _ => SamplePolicies.Order,
    };

    /// <summary>Decodes the seeds into commands, deciding as it goes (a resolution needs an open conflict). With
    /// <paramref name="tickAtDeadlines"/>, ticks every deadline at its due time, as a what-if replay does.</summary>
    public static Scenario Play(TruthPolicy policy, int[] seeds, bool tickAtDeadlines = false)
    {
        var scenario = new Scenario(policy, "op-prop");
        var seconds = 0d;
        var signals = new List<ReceiveSignal>();
        foreach (var n in seeds)
        {
            seconds += n % 97;
            if (n % 11 == 0 && (n / 11) % 4 == 0)
            {
                // Now and then a long quiet spell before a tick: outcomes last long enough to become final.
                seconds += 1900;
            }

            if (tickAtDeadlines)
            {
                TickUntil(scenario, Scenario.At(seconds));
            }

            var command = Decode(scenario, policy, n, seconds, signals);
            if (command is ReceiveSignal r)
            {
                signals.Add(r);
            }

            scenario.When(command);
        }

        if (tickAtDeadlines)
        {
            TickUntil(scenario, Scenario.At(seconds + 3600));
        }

        return scenario;
    }

    public static void TickUntil(Scenario scenario, DateTimeOffset time)
    {
        while (scenario.State.NextDeadline is { } due && due <= time)
        {
            scenario.When(new Tick(due, 1));
        }
    }

    private static Command Decode(Scenario scenario, TruthPolicy policy, int n, double seconds, List<ReceiveSignal> signals)
    {
        var at = Scenario.At(seconds);
        switch (n % 11)
        {
            case 0:
                return new Tick(at, 1);
            case 1 when signals.Count > 0:
                return signals[(n / 11) % signals.Count] with { ReceivedAt = at };
            case 2 when scenario.State.OpenConflictCount > 0:
                var open = scenario.State.OpenConflicts.ToList();
                var conflict = open[(n / 11) % open.Count];
                var resolution = ResolutionNames[(n / 1100) % ResolutionNames.Length];
                var facet = policy.FindFacet(conflict.Facet ?? "");
                var @override = resolution == Resolutions.Overridden
                    ? facet is null ? null : new FacetOverride(conflict.Facet!, facet.States[(n / 4400) % facet.States.Count])
                    : null;
                return new ResolveConflict(conflict.ConflictId, @override is null && resolution == Resolutions.Overridden ? Resolutions.Dismissed : resolution,
                    "property", "prop-operator", @override, at, 1);
            case 3 when !policy.Accountability.IsEmpty && scenario.State.OpenConflictCount > 0:
                // Deadlines due first: the command would let them pass, and an escalation may change what makes sense.
                return scenario.State.NextDeadline <= at ? new Tick(at, 1) : Lifecycle(scenario, n, at);
            default:
                var source = Sources[(n / 11) % Sources.Length];
                var facetName = FacetNames[(n / 66) % FacetNames.Length];
                var states = policy.FindFacet(facetName)?.States ?? ImmutableList<string>.Empty;
                var stateIndex = (n / 396) % (states.Count + 1);
                var state = stateIndex < states.Count ? states[stateIndex] : "bogus";
                var sequence = (n / 2376) % 4 == 0 ? (long?)null : (n / 9504) % 7;
                var effectKey = ((n / 66528) % 3) switch { 0 => null, 1 => "k1", _ => "k2" };
                var signalId = "s" + ((n / 199584) % 10);
                var attributes = AttributeSets[(n / 1995840) % AttributeSets.Length];
                return scenario.Signal(source, facetName, state, signalId, seconds, sequence, effectKey, attributes);
        }
    }

    /// <summary>Someone acknowledges, snoozes or hands over one of the open conflicts.</summary>
    public static Command Lifecycle(Scenario scenario, int n, DateTimeOffset at)
    {
        var open = scenario.State.OpenConflicts.ToList();
        var conflict = open[(n / 11) % open.Count];
        var person = People[(n / 1100) % People.Length];
        switch ((n / 3300) % 3)
        {
            case 0:
                return new AcknowledgeConflict(conflict.ConflictId, person, at, 1);
            case 1:
                return new SnoozeConflict(conflict.ConflictId, at.AddMinutes(10 + ((n / 9900) % 50)), "waiting for the ERP", person, at, 1);
            default:
                var team = Teams[(n / 9900) % Teams.Length];
                team = team == conflict.Assignee ? Teams[((n / 9900) + 1) % Teams.Length] : team;
                return new AssignConflict(conflict.ConflictId, team, "theirs", person, at, 1);
        }
    }

    /// <summary>The observable agreed truth: facet states with basis and source, outcome.</summary>
    public static string Truth(OperationState s) =>
        string.Join(";", s.Facets.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value.State}/{f.Value.Basis}/{f.Value.Source}"))
        + "|" + s.Outcome;

    public static string FacetStates(OperationState s) =>
        string.Join(";", s.Facets.Where(f => f.Value.State is not null).OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => $"{f.Key}={f.Value.State}/{f.Value.Basis}"));
}
