using System.Buffers;
using System.Text.Json;
using DevLab.JmesPath.Expressions;
using Newtonsoft.Json.Linq;
using Reconciler.Core.Inbound;
using Reconciler.Core.Judging;
using Reconciler.Ingest;

namespace Reconciler.Inbound;

/// <summary>What a mapping made of one payload: its signals, or why it made none.</summary>
public abstract record MappingOutcome;

/// <summary>Rule <paramref name="Rule"/> (0-based) matched and made these signals.</summary>
public sealed record MappedSignals(int Rule, IReadOnlyList<Signal> Signals) : MappingOutcome;

/// <summary>No signal: no rule matched (<paramref name="Field"/> null), or the matching rule failed on a field.</summary>
public sealed record NotMapped(string? Field, string Reason) : MappingOutcome;

/// <summary>
/// Maps payloads with one mapping's rules: the first rule whose <c>when</c> is true maps the payload — or, with
/// <c>each</c>, every item it yields, each seen as <c>{ "item", "index", "payload" }</c>. The signals it makes are read
/// by <see cref="SignalBatchParser"/>, the reader of <c>POST /v1/signals</c>, so they obey exactly its rules.
/// One mapper serves one thread (its parsed expressions are its own).
/// </summary>
public sealed class PayloadMapper(IReadOnlyList<MappingRule> rules)
{
    public const int MaxSignals = SignalBatchParser.MaxSignals;

    private readonly Func<string, JmesPathExpression> _parse = MappingExpressions.Parser();
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    public MappingOutcome Map(JToken payload, SignalOrigin origin)
    {
        for (var index = 0; index < rules.Count; index++)
        {
            var rule = rules[index];
            if (rule.When is { } when)
            {
                var (holds, error) = Evaluate(when, payload);
                if (error is not null)
                {
                    return new NotMapped("when", $"rules[{index}].when {error}");
                }
                if (!MappingExpressions.IsTrue(holds))
                {
                    continue;
                }
            }
            return rule.Each is { } each ? MapEach(index, rule, each, payload, origin) : MapOne(index, rule, payload, origin);
        }
        return new NotMapped(null, $"no rule matched: {rules.Count} rule(s) tried, none whose 'when' is true for this payload{Describe(payload)}");
    }

    private MappingOutcome MapOne(int index, MappingRule rule, JToken input, SignalOrigin origin)
    {
        var (signal, field, reason) = Read(rule, input, origin, $"rules[{index}]");
        return signal is null ? new NotMapped(field, reason!) : new MappedSignals(index, [signal]);
    }

    private MappingOutcome MapEach(int index, MappingRule rule, string each, JToken payload, SignalOrigin origin)
    {
        var (items, error) = Evaluate(each, payload);
        if (error is not null)
        {
            return new NotMapped("each", $"rules[{index}].each {error}");
        }
        if (items is not JArray { Count: > 0 } array)
        {
            return new NotMapped("each", $"rules[{index}].each '{each}' yields {SignalFields.Kind(items)}, not a list of items: nothing to map");
        }
        if (array.Count > MaxSignals)
        {
            return new NotMapped("each", $"rules[{index}].each '{each}' yields {array.Count} items; a payload may make at most {MaxSignals} signals");
        }
        var scope = new JObject { ["payload"] = payload };
        var signals = new List<Signal>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            scope["item"] = array[i];
            scope["index"] = i;
            var (signal, field, reason) = Read(rule, scope, origin, $"rules[{index}] (item {i})");
            if (signal is null)
            {
                return new NotMapped(field, reason!);
            }
            signals.Add(signal);
        }
        return new MappedSignals(index, signals);
    }

    /// <summary>One signal from one input: the rule's fields evaluated, written as a signal object, read as POST /v1/signals reads one.</summary>
    private (Signal? Signal, string? Field, string? Reason) Read(MappingRule rule, JToken input, SignalOrigin origin, string where)
    {
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            foreach (var field in rule.Fields)
            {
                var (value, error) = Evaluate(field.Expression, input);
                if (error is not null)
                {
                    return (null, field.Name, $"{where}.{field.Name} {error}");
                }
                if (MappingExpressions.IsNothing(value))
                {
                    if (InboundWords.RequiredFields.Contains(field.Name))
                    {
                        return (null, field.Name, $"{where}.{field.Name} '{field.Expression}' yields nothing for this payload: the signal needs a {field.Name}");
                    }
                    continue;
                }
                if (SignalFields.Write(json, field.Name, value) is { } problem)
                {
                    return (null, field.Name, $"{where}.{field.Name} '{field.Expression}' {problem}");
                }
            }
            if (rule.Attributes.Count > 0)
            {
                json.WriteStartObject("attributes");
                foreach (var attribute in rule.Attributes)
                {
                    var (value, error) = Evaluate(attribute.Expression, input);
                    if (error is not null)
                    {
                        return (null, "attributes." + attribute.Name, $"{where}.attributes.{attribute.Name} {error}");
                    }
                    if (!MappingExpressions.IsNothing(value))
                    {
                        json.WritePropertyName(attribute.Name);
                        json.WriteRawValue(MappingExpressions.Compact(value), skipInputValidation: true);
                    }
                }
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        using var document = JsonDocument.Parse(_buffer.WrittenMemory);
        var (batch, errors) = SignalBatchParser.Parse(document.RootElement);
        if (batch is null)
        {
            var error = errors[0];
            return (null, error.Field, $"{where}.{error.Field} {error.Message}");
        }
        return (batch.Signals[0] with { Origin = origin }, null, null);
    }

    /// <summary>The value, or why the expression failed on this input (a function given the wrong type: the payload does not fit).</summary>
    private (JToken Value, string? Error) Evaluate(string expression, JToken input)
    {
        try
        {
            return (MappingExpressions.Evaluate(_parse(expression), input), null);
        }
#pragma warning disable CA1031 // JmesPath.Net reports a function's wrong argument as a plain Exception.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (JValue.CreateNull(), $"'{expression}' fails on this payload: {e.Message}");
        }
    }

    /// <summary>Names the payload's type when it has one (most systems name their events), to make the reason findable.</summary>
    private static string Describe(JToken payload) =>
        payload is JObject o && o["type"] is JValue { Type: JTokenType.String } type ? $" (its type is '{type.Value<string>()}')" : "";
}
