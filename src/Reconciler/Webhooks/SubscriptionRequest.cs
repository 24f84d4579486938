using System.Text.Json;
using System.Text.RegularExpressions;
using Reconciler.Core.Events;
using Reconciler.Core.Policies;
using Reconciler.Http;
using Reconciler.Store;

namespace Reconciler.Webhooks;

/// <summary>What is wrong with one field of a subscription body: its JSON path, the rule it breaks and what to do.</summary>
public sealed record FieldProblem(string Path, string Rule, string Message);

/// <summary>A valid <c>POST /v1/subscriptions</c> body. Null lists mean every type; a null secret means "generate one".</summary>
public sealed record NewSubscription(
    string Name, Uri Url, IReadOnlyList<string>? Types, IReadOnlyList<string>? OperationTypes, string? Secret, string From, RetryPolicy Retry);

/// <summary>A valid <c>PATCH</c> body: only what was given changes (a list given as null goes back to every type).</summary>
public sealed record SubscriptionChange(
    Uri? Url, bool SetsTypes, IReadOnlyList<string>? Types, bool SetsOperationTypes, IReadOnlyList<string>? OperationTypes, string? Status, string? Secret);

/// <summary>
/// Reads subscription bodies and reports every problem at once, each with its path (<c>retry.maxAttempts</c>,
/// <c>types[1]</c>), as the policy reader does. Unknown properties are refused: a misspelt filter would
/// otherwise silently deliver everything.
/// </summary>
public static partial class SubscriptionRequest
{
    private static readonly string[] CreateFields = ["name", "url", "types", "operationTypes", "secret", "from", "retry"];
    private static readonly string[] ChangeFields = ["url", "types", "operationTypes", "status", "secret"];
    private static readonly string[] RetryFields = ["maxAttempts", "initialDelay", "maxDelay", "maxAge"];

    public static async Task<(NewSubscription? Value, IReadOnlyList<FieldProblem> Problems)> ReadNewAsync(JsonElement body, bool allowPrivate, CancellationToken ct)
    {
        var problems = new List<FieldProblem>();
        Unknown(body, CreateFields, "", problems);
        var name = RequiredString(body, "name", problems);
        if (name is not null && !NamePattern().IsMatch(name))
        {
            problems.Add(new("name", "invalid-name", "must be 1..100 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit (it is part of the subscription's URL)"));
        }
        var url = await UrlAsync(body, required: true, allowPrivate, problems, ct);
        var types = TypeList(body, "types", problems);
        var operationTypes = OperationTypeList(body, problems);
        var secret = Secret(body, problems);
        var from = OptionalString(body, "from", problems) ?? "end";
        if (from is not ("start" or "end") && !FeedCursor.TryDecode(from, out _))
        {
            problems.Add(new("from", "invalid-from", "must be \"start\" (deliver the feed's history), \"end\" (only new events, the default) or a cursor from the feed"));
        }
        var retry = Retry(body, problems);
        return problems.Count > 0 || name is null || url is null
            ? (null, problems)
            : (new NewSubscription(name, url, types, operationTypes, secret, from, retry), problems);
    }

    public static async Task<(SubscriptionChange? Value, IReadOnlyList<FieldProblem> Problems)> ReadChangeAsync(JsonElement body, bool allowPrivate, CancellationToken ct)
    {
        var problems = new List<FieldProblem>();
        Unknown(body, ChangeFields, "", problems);
        var url = await UrlAsync(body, required: false, allowPrivate, problems, ct);
        var types = TypeList(body, "types", problems);
        var operationTypes = OperationTypeList(body, problems);
        var status = OptionalString(body, "status", problems);
        if (status is not (null or "active" or "paused"))
        {
            problems.Add(new("status", "invalid-status", "must be \"active\" or \"paused\" (a disabled subscription comes back with \"active\")"));
        }
        var secret = Secret(body, problems);
        return problems.Count > 0
            ? (null, problems)
            : (new SubscriptionChange(url, body.TryGetProperty("types", out _), types, body.TryGetProperty("operationTypes", out _), operationTypes, status, secret), problems);
    }

    private static void Unknown(JsonElement json, string[] known, string prefix, List<FieldProblem> problems)
    {
        foreach (var property in json.EnumerateObject().Where(p => !known.Contains(p.Name)))
        {
            problems.Add(new(prefix + property.Name, "unknown-field", $"is not a field here; use {string.Join(", ", known)}"));
        }
    }

    private static async Task<Uri?> UrlAsync(JsonElement body, bool required, bool allowPrivate, List<FieldProblem> problems, CancellationToken ct)
    {
        var text = required ? RequiredString(body, "url", problems) : OptionalString(body, "url", problems);
        if (text is null)
        {
            return null;
        }
        var (url, refusal) = await WebhookUrlGuard.CheckAsync(text, allowPrivate, ct);
        if (refusal is not null)
        {
            problems.Add(new("url", refusal.Rule, refusal.Message));
        }
        return url;
    }

    private static IReadOnlyList<string>? TypeList(JsonElement body, string field, List<FieldProblem> problems)
    {
        var names = StringList(body, field, problems);
        if (names is null)
        {
            return null;
        }
        for (var i = 0; i < names.Count; i++)
        {
            if (!EventCodec.TypeNames.Contains(names[i]) && !Core.Storms.SystemEventCodec.TypeNames.Contains(names[i]))
            {
                problems.Add(new($"{field}[{i}]", "unknown-event-type",
                    $"'{Short(names[i])}' is not an event type; use any of {string.Join(", ", EventCodec.TypeNames.Concat(Core.Storms.SystemEventCodec.TypeNames).Order(StringComparer.Ordinal))}"));
            }
        }
        return names.Distinct(StringComparer.Ordinal).ToList();
    }

    private static IReadOnlyList<string>? OperationTypeList(JsonElement body, List<FieldProblem> problems)
    {
        var names = StringList(body, "operationTypes", problems);
        if (names is null)
        {
            return null;
        }
        for (var i = 0; i < names.Count; i++)
        {
            if (InputRules.NameProblem(names[i]) is { } problem)
            {
                problems.Add(new($"operationTypes[{i}]", "invalid-operation-type", problem));
            }
        }
        return names.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>A non-empty array of strings; absent or null = no filter.</summary>
    private static List<string>? StringList(JsonElement body, string field, List<FieldProblem> problems)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0 || value.GetArrayLength() > 100
            || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            problems.Add(new(field, "invalid-filter", "must be an array of 1..100 names; leave it out (or null) for every type"));
            return null;
        }
        return value.EnumerateArray().Select(v => v.GetString()!).ToList();
    }

    private static string? Secret(JsonElement body, List<FieldProblem> problems)
    {
        var secret = OptionalString(body, "secret", problems);
        if (secret is not null && WebhookSecret.Problem(secret) is { } problem)
        {
            problems.Add(new("secret", "invalid-secret", problem));
            return null;
        }
        return secret;
    }

    private static RetryPolicy Retry(JsonElement body, List<FieldProblem> problems)
    {
        if (!body.TryGetProperty("retry", out var retry) || retry.ValueKind == JsonValueKind.Null)
        {
            return RetryPolicy.Default;
        }
        if (retry.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new("retry", "invalid-retry", "must be an object { \"maxAttempts\", \"initialDelay\", \"maxDelay\", \"maxAge\" }, each optional"));
            return RetryPolicy.Default;
        }
        Unknown(retry, RetryFields, "retry.", problems);
        var defaults = RetryPolicy.Default;
        var attempts = defaults.MaxAttempts;
        if (retry.TryGetProperty("maxAttempts", out var given))
        {
            if (given.ValueKind != JsonValueKind.Number || !given.TryGetInt32(out attempts) || attempts is < RetryPolicy.MinAttempts or > RetryPolicy.MaxAttemptsLimit)
            {
                problems.Add(new("retry.maxAttempts", "invalid-retry", $"must be a whole number {RetryPolicy.MinAttempts}..{RetryPolicy.MaxAttemptsLimit} (default {defaults.MaxAttempts})"));
            }
        }
        var initial = Duration(retry, "initialDelay", defaults.InitialDelay, RetryPolicy.MinDelay, RetryPolicy.MaxInitialDelay, problems);
        var max = Duration(retry, "maxDelay", defaults.MaxDelay, RetryPolicy.MinDelay, RetryPolicy.MaxDelayLimit, problems);
        var age = Duration(retry, "maxAge", defaults.MaxAge, RetryPolicy.MinAge, RetryPolicy.MaxAgeLimit, problems);
        if (max < initial)
        {
            problems.Add(new("retry.maxDelay", "invalid-retry", $"{IsoDuration.Format(max)} is shorter than retry.initialDelay {IsoDuration.Format(initial)}; make it at least as long"));
        }
        return new RetryPolicy(attempts, initial, max, age);
    }

    private static TimeSpan Duration(JsonElement retry, string field, TimeSpan fallback, TimeSpan min, TimeSpan max, List<FieldProblem> problems)
    {
        if (!retry.TryGetProperty(field, out var value))
        {
            return fallback;
        }
        if (value.ValueKind == JsonValueKind.String && IsoDuration.TryParse(value.GetString(), out var duration) && duration >= min && duration <= max)
        {
            return duration;
        }
        problems.Add(new($"retry.{field}", "invalid-retry",
            $"must be an ISO-8601 duration from {IsoDuration.Format(min)} to {IsoDuration.Format(max)} such as \"PT30S\" (default {IsoDuration.Format(fallback)})"));
        return fallback;
    }

    private static string? RequiredString(JsonElement body, string field, List<FieldProblem> problems)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            problems.Add(new(field, "required", "is required"));
            return null;
        }
        return OptionalString(body, field, problems);
    }

    private static string? OptionalString(JsonElement body, string field, List<FieldProblem> problems)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add(new(field, "invalid-type", "must be a string"));
            return null;
        }
        var text = value.GetString()!;
        if (InputRules.NameProblem(text, WebhookUrlGuard.MaxUrlLength) is { } problem)
        {
            problems.Add(new(field, "invalid-text", problem));
            return null;
        }
        return text;
    }

    private static string Short(string text) => text.Length > 60 ? text[..60] + "…" : text;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex NamePattern();
}
