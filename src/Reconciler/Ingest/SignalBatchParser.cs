using System.Text.Json;
using System.Text.RegularExpressions;
using Reconciler.Core.Judging;
using Reconciler.Http;

namespace Reconciler.Ingest;

/// <summary>One malformed field of one signal: the whole request is refused with all of them.</summary>
public sealed record SignalFieldError(int Index, string Field, string Message);

/// <summary>The signals of a request, with the <c>source</c> each body named (null when it named none).</summary>
public sealed record SignalBatch(IReadOnlyList<Signal> Signals, IReadOnlyList<string?> BodySources);

/// <summary>
/// Reads <c>POST /v1/signals</c> bodies — one signal object or <c>{ "signals": [ … ] }</c> — strictly:
/// a missing required field or a wrong type is an error that names the item and the field.
/// </summary>
public static partial class SignalBatchParser
{
    public const int MaxSignals = 5_000;
    public const int MaxAttributeBytes = 16 * 1024;

    public static (SignalBatch? Batch, IReadOnlyList<SignalFieldError> Errors) Parse(JsonElement root)
    {
        var errors = new List<SignalFieldError>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(0, "$", "the body must be a signal object or { \"signals\": [ … ] }"));
            return (null, errors);
        }
        var items = new List<JsonElement>();
        if (root.TryGetProperty("signals", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new(0, "signals", "must be an array of signal objects"));
                return (null, errors);
            }
            items.AddRange(list.EnumerateArray());
        }
        else
        {
            items.Add(root);
        }
        var signals = new List<Signal>(items.Count);
        var sources = new List<string?>(items.Count);
        for (var index = 0; index < items.Count; index++)
        {
            var reader = new ItemReader(items[index], index, errors);
            if (items[index].ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(index, "$", "each signal must be a JSON object"));
                continue;
            }
            var signal = reader.Read();
            if (signal is not null)
            {
                signals.Add(signal);
                sources.Add(reader.Optional("source", 200));
            }
        }
        return errors.Count == 0 ? (new SignalBatch(signals, sources), errors) : (null, errors);
    }

    /// <summary>Counts the items without validating them, to refuse an oversized batch before any other work.</summary>
    public static int CountItems(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("signals", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.GetArrayLength()
            : 1;

    private readonly struct ItemReader(JsonElement item, int index, List<SignalFieldError> errors)
    {
        public Signal? Read()
        {
            var before = errors.Count;
            var operationId = Identifier("operationId");
            var operationType = Identifier("operationType");
            var signalId = Required("signalId", 200);
            var facet = Required("facet", 200);
            var state = Required("state", 200);
            var observedAt = Timestamp("observedAt");
            var sourceSequence = Sequence("sourceSequence");
            var effectKey = Optional("effectKey", 200);
            var attributes = Attributes();
            var correlationId = Optional("correlationId", 200);
            var causationId = Optional("causationId", 200);
            return errors.Count > before
                ? null
                : new Signal(operationId!, operationType!, signalId!, facet!, state!, observedAt, sourceSequence, effectKey, attributes, correlationId, causationId);
        }

        public string? Optional(string field, int maxLength)
        {
            if (!item.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (value.ValueKind != JsonValueKind.String)
            {
                return Fail(field, $"must be a string, not {Describe(value)}");
            }
            var text = value.GetString()!;
            return InputRules.NameProblem(text, maxLength) is { } problem ? Fail(field, problem) : text;
        }

        private string? Required(string field, int maxLength) =>
            item.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null
                ? Optional(field, maxLength)
                : Fail(field, "is required");

        private string? Identifier(string field)
        {
            var text = Required(field, 200);
            return text is null || IdentifierPattern().IsMatch(text) ? text : Fail(field, $"'{text}' may only use the characters [A-Za-z0-9._:-]");
        }

        private DateTimeOffset? Timestamp(string field)
        {
            var text = Optional(field, 64);
            if (text is null)
            {
                return null;
            }
            if (IsoTime.TryParse(text, out var time))
            {
                return time.ToUniversalTime();
            }
            Fail(field, $"'{text}' is not an ISO-8601 time with an offset such as {IsoTime.Example}");
            return null;
        }

        private long? Sequence(string field)
        {
            if (!item.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0)
            {
                return number;
            }
            Fail(field, $"must be a non-negative integer, not {Describe(value)}");
            return null;
        }

        private string? Attributes()
        {
            if (!item.TryGetProperty("attributes", out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (value.ValueKind != JsonValueKind.Object)
            {
                return Fail("attributes", $"must be a JSON object, not {Describe(value)}");
            }
            // Compact form, so that a resent signal hashes the same however it was formatted.
            var compact = JsonSerializer.Serialize(value);
            return compact.Length > MaxAttributeBytes ? Fail("attributes", $"must be at most {MaxAttributeBytes} bytes of JSON") : compact;
        }

        private string? Fail(string field, string message)
        {
            errors.Add(new(index, field, message));
            return null;
        }

        private static string Describe(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.Number => "a number",
            JsonValueKind.String => "a string",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            _ => "null",
        };
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,200}$")]
    private static partial Regex IdentifierPattern();
}
