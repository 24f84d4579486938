using System.Text.Json;
using Reconciler.Core.Judging;

namespace Reconciler.Core.Policies;

/// <summary>The <c>accountability</c> section in its normal form: last in the policy, its parts in the order people read them
/// (owner, facets, kinds, resolveWithin, escalateTo, finishWithin), facets in the policy's order, kinds in the order of the
/// conflicts table, severities most severe first; empty parts and an empty section are left out.</summary>
public static partial class PolicyWriter
{
    private static void WriteAccountability(Utf8JsonWriter writer, AccountabilityPolicy accountability, IReadOnlyList<string> facetOrder)
    {
        if (accountability.IsEmpty)
        {
            return;
        }

        writer.WriteStartObject("accountability");
        if (accountability.Owner is { } owner)
        {
            writer.WriteString("owner", owner);
        }

        WriteTeams(writer, "facets", accountability.Facets, facetOrder);
        WriteTeams(writer, "kinds", accountability.Kinds, ConflictKinds.All);
        if (!accountability.ResolveWithin.IsEmpty)
        {
            writer.WriteStartObject("resolveWithin");
            foreach (var severity in InOrder(accountability.ResolveWithin.Keys, Severities.All))
            {
                var within = accountability.ResolveWithin[severity];
                writer.WriteString(severity, DurationText(within.Text, within.Duration));
            }

            writer.WriteEndObject();
        }

        if (accountability.EscalateTo is { } escalateTo)
        {
            writer.WriteString("escalateTo", escalateTo);
        }

        if (accountability.FinishWithin is { } finish)
        {
            writer.WriteString("finishWithin", DurationText(finish.Text, finish.Duration));
        }

        writer.WriteEndObject();
    }

    private static void WriteTeams(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, string> teams, IEnumerable<string> order)
    {
        if (teams.Count == 0)
        {
            return;
        }

        writer.WriteStartObject(name);
        foreach (var key in InOrder(teams.Keys, order))
        {
            writer.WriteString(key, teams[key]);
        }

        writer.WriteEndObject();
    }
}
