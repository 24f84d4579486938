using Reconciler.Core.Events;
using Reconciler.Core.State;

namespace Reconciler.Core.Tests.Support;

/// <summary>Differences as one line each (<c>field: key=json, key=json ~tolerance [facets]</c>), for compact assertions.</summary>
public static class DifferenceText
{
    public static string Of(Difference d) =>
        $"{d.Field}: {string.Join(", ", d.Values.Select(v => $"{v.Key}={v.Json}"))}"
        + (d.Tolerance is { } t ? $" ~{t}" : "")
        + (d.Facets is { } f ? $" [{string.Join(",", f)}]" : "");

    public static IEnumerable<string> Of(ConflictRecord c) => c.Differences.Select(Of);
}
