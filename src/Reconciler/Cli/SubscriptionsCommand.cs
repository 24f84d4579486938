using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Reconciler.Cli;

/// <summary>
/// <c>reconciler subscriptions list|show|create|pause|resume|parked|redeliver|delete</c>: webhook subscriptions on a
/// running server (/v1/subscriptions; admin key; --server, --key), as tables.
/// </summary>
public static class SubscriptionsCommand
{
    public sealed record NewSubscription(
        string Name, string Url, string? Types, string? OperationTypes, string? Secret, string? From,
        int? MaxAttempts, string? InitialDelay, string? MaxDelay, string? MaxAge);

    public static Command Create()
    {
        var list = WithServer(new Command("list", "Every subscription with its status, lag, deliveries, failures and parked count"));
        list.SetAction((result, ct) => Run(result, "subscriptions list", (client, output) => ListAsync(client, output, ct)));

        var name = new Argument<string>("name") { Description = "The subscription's name" };
        var show = WithServer(new Command("show", "One subscription in full (never its secret)") { name });
        show.SetAction((result, ct) => Run(result, "subscriptions show", (client, output) => ShowAsync(client, output, result.GetValue(name)!, ct)));

        var create = CreateCommand();

        var pause = WithServer(new Command("pause", "Stop delivering (the checkpoint stays; resume goes on from it)") { name });
        pause.SetAction((result, ct) => Run(result, "subscriptions pause", (client, output) => SetStatusAsync(client, output, result.GetValue(name)!, "paused", ct)));
        var resume = WithServer(new Command("resume", "Deliver again (also re-enables a disabled subscription)") { name });
        resume.SetAction((result, ct) => Run(result, "subscriptions resume", (client, output) => SetStatusAsync(client, output, result.GetValue(name)!, "active", ct)));

        var parked = WithServer(new Command("parked", "Deliveries that exhausted their retries") { name });
        parked.SetAction((result, ct) => Run(result, "subscriptions parked", (client, output) => ParkedAsync(client, output, result.GetValue(name)!, ct)));

        var eventIds = new Option<string[]>("--event-id") { Description = "Only this parked delivery (repeat for more)", AllowMultipleArgumentsPerToken = true };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Only those parked at or after this time (ISO-8601)" };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Only those parked at or before this time (ISO-8601)" };
        var redeliver = WithServer(new Command("redeliver", "Send parked deliveries again, ahead of new items (all of them unless filtered)") { name, eventIds, from, to });
        redeliver.SetAction((result, ct) => Run(result, "subscriptions redeliver", (client, output) =>
            RedeliverAsync(client, output, result.GetValue(name)!, result.GetValue(eventIds), result.GetValue(from), result.GetValue(to), ct)));

        var delete = WithServer(new Command("delete", "Delete the subscription with its waiting and parked deliveries") { name });
        delete.SetAction((result, ct) => Run(result, "subscriptions delete", async (client, output) =>
        {
            await client.SendJsonAsync(HttpMethod.Delete, $"/v1/subscriptions/{Uri.EscapeDataString(result.GetValue(name)!)}", "", ct);
            await output.WriteLineAsync($"Deleted {result.GetValue(name)}.");
        }));

        return new Command("subscriptions", "Signed webhook subscriptions on a running server (HTTP API; admin key)")
        {
            list, show, create, pause, resume, parked, redeliver, delete,
        };
    }

    private static Command CreateCommand()
    {
        var name = new Option<string>("--name") { Description = "Its name (A-Z a-z 0-9 . _ -)", Required = true };
        var url = new Option<string>("--url") { Description = "Where to POST each item (http or https)", Required = true };
        var types = new Option<string?>("--types") { Description = "Event types, comma-separated (default: every type)" };
        var operationTypes = new Option<string?>("--operation-types") { Description = "Operation types, comma-separated (default: every type)" };
        var secret = new Option<string?>("--secret") { Description = "whsec_… secret (default: the server generates one and prints it once)" };
        var from = new Option<string?>("--from") { Description = "start (deliver the history) or end (only new events, the default)" };
        var attempts = new Option<int?>("--max-attempts") { Description = "Attempts before a delivery is parked, 1-20 (default 8)" };
        var initial = new Option<string?>("--initial-delay") { Description = "First back-off, ISO-8601 (default PT5S)" };
        var max = new Option<string?>("--max-delay") { Description = "Longest back-off (default PT1H)" };
        var age = new Option<string?>("--max-age") { Description = "Park a delivery this long after its first attempt (default PT24H)" };
        var create = WithServer(new Command("create", "Create a subscription and print it (a generated secret is shown once)")
        {
            name, url, types, operationTypes, secret, from, attempts, initial, max, age,
        });
        create.SetAction((result, ct) => Run(result, "subscriptions create", (client, output) => CreateAsync(client, output, new NewSubscription(
            result.GetValue(name)!, result.GetValue(url)!, result.GetValue(types), result.GetValue(operationTypes), result.GetValue(secret), result.GetValue(from),
            result.GetValue(attempts), result.GetValue(initial), result.GetValue(max), result.GetValue(age)), ct)));
        return create;
    }

    public static async Task ListAsync(ServerClient client, TextWriter output, CancellationToken ct)
    {
        var items = (await client.GetJsonAsync("/v1/subscriptions", ct)).GetProperty("items").EnumerateArray().ToList();
        var table = new Table().Title($"{items.Count} subscription(s)")
            .AddColumns("name", "status", "url", "types", "lag", "delivered", "failures", "parked", "last error");
        foreach (var s in items)
        {
            table.AddRow(Cells(ServerClient.Text(s, "name"), ServerClient.Text(s, "status"), ServerClient.Text(s, "url"), Filter(s),
                Lag(s), ServerClient.Text(s, "delivered"), ServerClient.Text(s, "failures"), ServerClient.Text(s, "parked"), ServerClient.Text(s, "lastError")));
        }
        ServerClient.ConsoleFor(output).Write(table);
    }

    public static async Task ShowAsync(ServerClient client, TextWriter output, string name, CancellationToken ct) =>
        Describe(output, await client.GetJsonAsync($"/v1/subscriptions/{Uri.EscapeDataString(name)}", ct));

    public static async Task CreateAsync(ServerClient client, TextWriter output, NewSubscription subscription, CancellationToken ct)
    {
        static JsonArray? List(string? csv) => csv is null ? null : [.. csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => (JsonNode)t)];
        var retry = new JsonObject();
        void Put(string field, JsonNode? value)
        {
            if (value is not null)
            {
                retry[field] = value;
            }
        }
        Put("maxAttempts", subscription.MaxAttempts);
        Put("initialDelay", subscription.InitialDelay);
        Put("maxDelay", subscription.MaxDelay);
        Put("maxAge", subscription.MaxAge);
        var body = new JsonObject
        {
            ["name"] = subscription.Name, ["url"] = subscription.Url, ["types"] = List(subscription.Types), ["operationTypes"] = List(subscription.OperationTypes),
            ["secret"] = subscription.Secret, ["from"] = subscription.From, ["retry"] = retry.Count > 0 ? retry : null,
        };
        var created = await client.SendJsonAsync(HttpMethod.Post, "/v1/subscriptions", body.ToJsonString(), ct);
        Describe(output, created);
        if (ServerClient.Text(created, "secret") is { Length: > 0 } secret)
        {
            await output.WriteLineAsync($"secret: {secret}");
            await output.WriteLineAsync("Keep the secret now: receivers verify deliveries with it, and the server never shows it again.");
        }
    }

    public static async Task SetStatusAsync(ServerClient client, TextWriter output, string name, string status, CancellationToken ct)
    {
        var changed = await client.SendJsonAsync(HttpMethod.Patch, $"/v1/subscriptions/{Uri.EscapeDataString(name)}", JsonSerializer.Serialize(new { status }), ct);
        await output.WriteLineAsync($"{name}: {ServerClient.Text(changed, "status")}, checkpoint {ServerClient.Text(changed, "checkpoint")}, {Lag(changed)} behind");
    }

    public static async Task ParkedAsync(ServerClient client, TextWriter output, string name, CancellationToken ct)
    {
        var items = new List<JsonElement>();
        var path = $"/v1/subscriptions/{Uri.EscapeDataString(name)}/parked?limit=1000";
        for (string? cursor = null; ;)
        {
            var page = await client.GetJsonAsync(path + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"), ct);
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = ServerClient.Text(page, "next");
            if (cursor.Length == 0)
            {
                break;
            }
        }
        var table = new Table().Title($"{items.Count} parked deliver{(items.Count == 1 ? "y" : "ies")} of {name}")
            .AddColumns("eventId", "operation", "type", "attempts", "last status", "last error", "parked at");
        foreach (var p in items)
        {
            var item = p.GetProperty("item");
            table.AddRow(Cells(ServerClient.Text(p, "eventId"), ServerClient.Text(item, "operationId"), ServerClient.Text(item, "type"),
                ServerClient.Text(p, "attempts"), ServerClient.Text(p, "lastStatus"), ServerClient.Text(p, "lastError"), Time(ServerClient.Text(p, "parkedAt"))));
        }
        ServerClient.ConsoleFor(output).Write(table);
    }

    public static async Task RedeliverAsync(ServerClient client, TextWriter output, string name, string[]? eventIds, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new
        {
            eventIds = eventIds is { Length: > 0 } ? eventIds : null,
            from = from?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            to = to?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });
        var answer = await client.SendJsonAsync(HttpMethod.Post, $"/v1/subscriptions/{Uri.EscapeDataString(name)}/parked/redeliver", body, ct);
        await output.WriteLineAsync($"{ServerClient.Text(answer, "redelivered")} parked deliver{(ServerClient.Text(answer, "redelivered") == "1" ? "y" : "ies")} of {name} will be delivered again, ahead of new items.");
    }

    private static void Describe(TextWriter output, JsonElement s)
    {
        var retry = s.TryGetProperty("retry", out var r) ? r : default;
        var table = new Table().Title(Markup.Escape(ServerClient.Text(s, "name"))).AddColumns("field", "value");
        foreach (var (field, value) in new[]
        {
            ("status", ServerClient.Text(s, "status") + (ServerClient.Text(s, "disabledReason") is { Length: > 0 } why ? $" ({why})" : "")),
            ("url", ServerClient.Text(s, "url")), ("filters", Filter(s)), ("checkpoint", ServerClient.Text(s, "checkpoint")), ("lag", Lag(s)),
            ("delivered", ServerClient.Text(s, "delivered")), ("failures", ServerClient.Text(s, "failures")), ("waiting", ServerClient.Text(s, "pending")),
            ("parked", ServerClient.Text(s, "parked")), ("last delivered", Time(ServerClient.Text(s, "lastDeliveredAt"))),
            ("last error", $"{ServerClient.Text(s, "lastError")} {Time(ServerClient.Text(s, "lastErrorAt"))}".Trim()),
            ("retry", retry.ValueKind == JsonValueKind.Object
                ? $"{ServerClient.Text(retry, "maxAttempts")} attempts, {ServerClient.Text(retry, "initialDelay")} to {ServerClient.Text(retry, "maxDelay")}, parked after {ServerClient.Text(retry, "maxAge")}"
                : ""),
            ("old secret signs until", Time(ServerClient.Text(s, "previousSecretUntil"))),
        })
        {
            table.AddRow(Markup.Escape(field), Markup.Escape(value));
        }
        ServerClient.ConsoleFor(output).Write(table);
    }

    private static string Filter(JsonElement s)
    {
        static string Names(JsonElement s, string field) =>
            s.TryGetProperty(field, out var list) && list.ValueKind == JsonValueKind.Array ? string.Join(",", list.EnumerateArray().Select(t => t.GetString())) : "all";
        return $"types {Names(s, "types")}; operation types {Names(s, "operationTypes")}";
    }

    private static string Lag(JsonElement s) =>
        s.TryGetProperty("lag", out var lag)
            ? $"{ServerClient.Text(lag, "events")} events / {lag.GetProperty("seconds").GetDouble().ToString("0.0", CultureInfo.InvariantCulture)} s"
            : "";

    private static string Time(string iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : iso;

    private static string[] Cells(params string[] values) => [.. values.Select(Markup.Escape)];

    private static Command WithServer(Command command)
    {
        command.Options.Add(ServerClient.Server);
        command.Options.Add(ServerClient.Key);
        return command;
    }

    private static Task<int> Run(ParseResult result, string name, Func<ServerClient, TextWriter, Task> body) =>
        ServerClient.RunAsync(name, async () =>
        {
            using var client = new ServerClient(result.GetValue(ServerClient.Server)!, result.GetValue(ServerClient.Key));
            await body(client, Console.Out);
        });
}
