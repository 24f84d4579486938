namespace Reconciler.Api.OpenApi;

/// <summary>The groups of operations in the OpenAPI document, each with what it is for (generated clients name their classes after them).</summary>
public static class ApiTags
{
    public const string Health = "Health";
    public const string Keys = "Keys";
    public const string Policies = "Policies";
    public const string Signals = "Signals";
    public const string Sources = "Sources";
    public const string Operations = "Operations";
    public const string Backtests = "Backtests";
    public const string Conflicts = "Conflicts";
    public const string Reports = "Reports";
    public const string Storms = "Storms";
    public const string Feed = "Feed";
    public const string Subscriptions = "Subscriptions";
    public const string Inbound = "Inbound";
    public const string Cluster = "Cluster";

    public static readonly IReadOnlyList<(string Name, string Description)> All =
    [
        (Health, "Liveness and readiness of this server (no key), and this document."),
        (Keys, "API keys: create one for a role (shown once), revoke one. Admin only."),
        (Policies, "Truth policies, one version per change: which source owns which facet, grace windows, attributes, expectations, outcome rules."),
        (Signals, "What sources observed: one signal or a batch, judged in one unit of work, each answered with its result."),
        (Sources, "The sources the engine hears from: heartbeats, watermarks and silence."),
        (Operations, "The agreed truth of each operation, its event stream, time travel, and what-if replays under a candidate policy."),
        (Backtests, "Policy backtests: what a candidate policy would change across the stored operations of its type (outcomes, conflicts, decisions at risk), run in the background."),
        (Conflicts, "Conflict records: list (JSON or CSV), read with evidence, and resolve, approve or reject a resolution."),
        (Reports, "Which pairs of sources disagree most, and how long until they agree."),
        (Storms, "Conflict storms: more conflicts of one kind a minute than the policy allows."),
        (Feed, "Every committed event in commit order: paged with a long poll, or as server-sent events."),
        (Subscriptions, "Webhook subscriptions: signed deliveries of the feed, their status, and parked deliveries. Admin only."),
        (Inbound, "Systems' own formats: per source, a versioned mapping that verifies their signed webhooks, CloudEvents and statement files and maps them to signals; the quarantine of what did not map; CSV imports."),
        (Cluster, "The servers sharing the database and the leases they hold. Admin only."),
    ];
}
