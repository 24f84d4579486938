using Reconciler.Http;
using Reconciler.Store.Conflicts;

namespace Reconciler.Conflicts;

/// <summary>
/// The accountability filters of the queue, as <c>GET /v1/conflicts</c> and the console read them from the query:
/// <c>assignee</c> (a team), <c>overdue</c> and <c>acknowledged</c> (true or false), and <c>snoozed</c>: left out or false,
/// a conflict snoozed until after now is out of the queue (the default queue); true, only those; any, both.
/// </summary>
public sealed record AccountabilityFilter(string? Assignee, bool? Overdue, bool? Acknowledged, bool? Snoozed, DateTimeOffset Now)
{
    public const string AnySnoozed = "any";

    public ConflictFilter Apply(ConflictFilter filter) =>
        filter with { Assignee = Assignee, Overdue = Overdue, Acknowledged = Acknowledged, Snoozed = Snoozed, Now = Now };

    /// <summary>The filter, or the first parameter that is not one of its values, with what it should be.</summary>
    public static (AccountabilityFilter Filter, (string Field, string Message)? Problem) Parse(
        string? assignee, string? overdue, string? acknowledged, string? snoozed, DateTimeOffset now)
    {
        if (assignee is not null && InputRules.NameProblem(assignee) is { } nameProblem)
        {
            return (Default(now), ("assignee", $"assignee (a team) {nameProblem}."));
        }
        var (overdueFlag, overdueOk) = Flag(overdue);
        var (acknowledgedFlag, acknowledgedOk) = Flag(acknowledged);
        var (snoozedFlag, snoozedOk) = string.Equals(snoozed, AnySnoozed, StringComparison.Ordinal) ? (null, true) : Flag(snoozed ?? "false");
        return (overdueOk, acknowledgedOk, snoozedOk) switch
        {
            (false, _, _) => (Default(now), ("overdue", $"overdue must be true or false, not '{overdue}'.")),
            (_, false, _) => (Default(now), ("acknowledged", $"acknowledged must be true or false, not '{acknowledged}'.")),
            (_, _, false) => (Default(now), ("snoozed", $"snoozed must be true, false (the default: snoozed conflicts are left out) or {AnySnoozed}, not '{snoozed}'.")),
            _ => (new AccountabilityFilter(assignee, overdueFlag, acknowledgedFlag, snoozedFlag, now), null),
        };
    }

    private static AccountabilityFilter Default(DateTimeOffset now) => new(null, null, null, false, now);

    private static (bool? Value, bool Ok) Flag(string? text) => text switch
    {
        null => (null, true),
        "true" => (true, true),
        "false" => (false, true),
        _ => (null, false),
    };
}
