using System.Collections.Immutable;
using Reconciler.Core.Policies;

namespace Reconciler.Core.Tests.Support;

/// <summary>The DOMAIN.md sample "order" policy and a streaming "subscription" policy, built as records.</summary>
public static class SamplePolicies
{
    public static TruthPolicy Order { get; } = new(
        "order",
        300,
        ImmutableDictionary<string, FacetPolicy>.Empty
            .Add("payment", Facet("payment-gateway", ["authorized", "captured", "declined", "refunded"],
                new() { ["authorized"] = ["captured", "declined"], ["captured"] = ["refunded"] }))
            .Add("inventory", Facet("warehouse", ["reserved", "released", "shipped"]))
            .Add("ledger", Facet("erp", ["recorded", "reversed"]))
            .Add("journey", Facet("crm", ["browsing", "abandoned-cart", "purchased"]))
            .Add("notification", Facet("email", ["confirmation-sent"]) with { Effect = FacetEffect.Once }),
        [
            new Expectation(new("payment", "captured"), new("ledger", "recorded", null), TimeSpan.FromMinutes(10), "PT10M"),
            new Expectation(new("payment", "captured"), new("journey", "purchased", null), TimeSpan.FromMinutes(5), "PT5M"),
            new Expectation(new("notification", "confirmation-sent"), new(null, null, "succeeded"), TimeSpan.FromMinutes(2), "PT2M"),
        ],
        [
            Rule("failed", ("payment", ["declined"])),
            Rule("succeeded", ("payment", ["captured"]), ("inventory", ["reserved", "shipped"]), ("ledger", ["recorded"])),
        ]);

    /// <summary>
    /// The order with people accountable: the ledger is finance's and the journey the CRM team's, a missing report is the
    /// integrations team's whatever its facet, anything else order-ops'. High conflicts are due within 30 minutes, medium within
    /// an hour, then escalated to ops-leads; an order must have an outcome within two hours of its first signal.
    /// </summary>
    public static TruthPolicy Accountable { get; } = Order with
    {
        Accountability = new AccountabilityPolicy
        {
            Owner = "order-ops",
            Facets = ImmutableDictionary<string, string>.Empty.Add("ledger", "finance").Add("journey", "crm-team"),
            Kinds = ImmutableDictionary<string, string>.Empty.Add("missing", "integrations"),
            ResolveWithin = ImmutableDictionary<string, PolicyDuration>.Empty
                .Add("high", new(TimeSpan.FromMinutes(30), "PT30M"))
                .Add("medium", new(TimeSpan.FromHours(1), "PT1H")),
            EscalateTo = "ops-leads",
            FinishWithin = new(TimeSpan.FromHours(2), "PT2H"),
        },
    };

    /// <summary>A streaming subscription: billing, entitlement, journey (CRM) and playback (device) each owned; "region" unowned.</summary>
    public static TruthPolicy Subscription { get; } = new(
        "subscription",
        120,
        ImmutableDictionary<string, FacetPolicy>.Empty
            .Add("billing", Facet("billing", ["trial", "paid", "past-due", "cancelled"]))
            .Add("entitlement", Facet("entitlement-service", ["active", "suspended", "expired"]))
            .Add("journey", Facet("crm", ["prospect", "subscribed", "expired", "churned"]))
            .Add("playback", Facet("device", ["allowed", "blocked"]))
            .Add("region", Facet(null, ["eu", "us"])),
        [
            new Expectation(new("billing", "paid"), new("entitlement", "active", null), TimeSpan.FromMinutes(1), "PT1M"),
            new Expectation(new("entitlement", "active"), new("playback", "allowed", null), TimeSpan.FromMinutes(5), "PT5M"),
        ],
        [
            Rule("cancelled", ("billing", ["cancelled"])),
            Rule("active", ("billing", ["paid"]), ("entitlement", ["active"]), ("playback", ["allowed"])),
        ]);

    /// <summary>
    /// Amounts that must agree: the gateway's payment and the ERP's ledger each declare an amount (the payment's within
    /// a cent) and a currency, the two amounts must match within 0.5%, succeeded requires that, and an agreed outcome
    /// becomes final after 30 minutes. The unowned "channel" declares an exact reference. Grace 60 s, no expectations.
    /// </summary>
    public static TruthPolicy Payments { get; } = new TruthPolicy(
        "payment",
        60,
        ImmutableDictionary<string, FacetPolicy>.Empty
            .Add("payment", Facet("payment-gateway", ["authorized", "captured", "refunded"],
                    new() { ["authorized"] = ["captured"], ["captured"] = ["refunded"] }) with
                {
                    Attributes =
                    [
                        new("amount", AttributeType.Decimal, Tolerance("0.01")),
                        new("currency", AttributeType.Exact, null),
                        new("capturedAt", AttributeType.Time, new("PT2S", 0, false, TimeSpan.FromSeconds(2))),
                    ],
                })
            .Add("ledger", Facet("erp", ["recorded", "reversed"]) with
                {
                    Attributes = [new("amount", AttributeType.Decimal, null), new("currency", AttributeType.Exact, null)],
                })
            .Add("channel", Facet(null, ["web", "shop"]) with { Attributes = [new("ref", AttributeType.Exact, null)] }),
        [],
        [
            Rule("failed", ("payment", ["refunded"])),
            Rule("succeeded", ("payment", ["captured"]), ("ledger", ["recorded"])) with { RequireMatches = true },
        ])
    {
        Matches = [new AttributeMatch("amount", ["payment", "ledger"], Tolerance("0.5%"))],
        FinalAfter = TimeSpan.FromMinutes(30),
        FinalAfterText = "PT30M",
    };

    public static AttributeTolerance Tolerance(string text) =>
        new(text, decimal.Parse(text.TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture), text.EndsWith('%'), TimeSpan.Zero);

    public static FacetPolicy Facet(string? owner, ImmutableList<string> states, Dictionary<string, ImmutableList<string>>? transitions = null) =>
        new(owner, states, (transitions ?? []).ToImmutableDictionary(), null, FacetEffect.None);

    public static OutcomeRule Rule(string outcome, params (string Facet, ImmutableList<string> States)[] when) =>
        new(outcome, when.ToImmutableDictionary(w => w.Facet, w => w.States));
}
