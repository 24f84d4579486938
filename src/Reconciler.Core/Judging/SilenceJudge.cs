using System.Globalization;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;

namespace Reconciler.Core.Judging;

/// <summary>
/// Tells a silent source from a missing signal when an expectation's deadline passes and its target facet has no claim:
/// the owner's watermark past the deadline means it sent everything it saw (<c>not-reported</c>); no signal or heartbeat
/// from it within its <c>silentAfter</c> means it went quiet (<c>source-silent</c>). Judged at the tick's time from the
/// <see cref="SourceWatch"/> the command brought; without one, or without a rule for the owner, nothing more is known.
/// </summary>
internal static class SilenceJudge
{
    public sealed record Verdict(string Cause, string Detail, Difference Difference);

    public static Verdict? Judge(TruthPolicy policy, string? owner, DateTimeOffset due, DateTimeOffset now, SourceWatch? watch)
    {
        if (owner is null || watch is null)
        {
            return null;
        }

        var activity = watch.Of(owner);
        if (activity?.Watermark is { } watermark && watermark >= due)
        {
            return new Verdict(MissingCauses.NotReported,
                $" {owner} has sent everything it observed up to {Text(watermark)}, so the signal is genuinely missing.",
                Difference.OfText("watermark", (owner, Text(watermark)), ("due", Text(due))));
        }

        if (policy.Sources.GetValueOrDefault(owner) is not { } rule)
        {
            return null;
        }

        if (activity?.LastHeardAt is { } heard && now - heard <= rule.SilentAfter)
        {
            return null;
        }

        var since = activity?.LastHeardAt is { } last ? Text(last) : null;
        return new Verdict(MissingCauses.SourceSilent,
            since is null
                ? $" {owner} has never been heard from (silentAfter {rule.SilentAfterText})."
                : $" {owner} has been silent since {since} (silentAfter {rule.SilentAfterText}).",
            Difference.OfText("source", (owner, since is null ? "never heard" : "silent since " + since), ("silentAfter", rule.SilentAfterText)));
    }

    // An instant as the API writes it, unquoted: for the detail text and the text values of a difference.
    private static string Text(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
}
