using DevLab.JmesPath;
using DevLab.JmesPath.Expressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Reconciler.Inbound;

/// <summary>
/// JMESPath (jmespath.org), through JmesPath.Net: the one expression language of mappings, so that nobody learns a
/// language of ours. Payloads are read with dates left as text and numbers as decimals, so that "129.90" stays 129.90.
/// </summary>
public static class MappingExpressions
{
    private static readonly JsonSerializerSettings Settings = new() { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal, MaxDepth = 64 };

    /// <summary>Why <paramref name="expression"/> does not compile (for the mapping reader), or null.</summary>
    public static string? Problem(string expression)
    {
        try
        {
            new JmesPath().Parse(expression);
            return null;
        }
#pragma warning disable CA1031 // JmesPath.Net reports every parse error as a plain Exception.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e.Message.Replace("Error(", "error at (", StringComparison.Ordinal);
        }
    }

    /// <summary>A parser for one mapping's use: expressions parsed by one instance are evaluated on one thread at a time.</summary>
    public static Func<string, JmesPathExpression> Parser()
    {
        var parser = new JmesPath();
        var cache = new Dictionary<string, JmesPathExpression>(StringComparer.Ordinal);
        return text => cache.TryGetValue(text, out var parsed) ? parsed : cache[text] = parser.Parse(text);
    }

    public static JToken Evaluate(JmesPathExpression expression, JToken input) =>
        expression.Transform(new JmesPathArgument(input)).Token ?? JValue.CreateNull();

    /// <summary>JMESPath truth: false, null, "", [] and {} are false; everything else is true.</summary>
    public static bool IsTrue(JToken value) => value.Type switch
    {
        JTokenType.Null or JTokenType.Undefined or JTokenType.None => false,
        JTokenType.Boolean => value.Value<bool>(),
        JTokenType.String => value.Value<string>()!.Length > 0,
        JTokenType.Array or JTokenType.Object => value.HasValues,
        _ => true,
    };

    public static bool IsNothing(JToken value) => value.Type is JTokenType.Null or JTokenType.Undefined or JTokenType.None;

    /// <summary>A JSON payload as the expressions see it; null with the reason when it is not JSON.</summary>
    public static (JToken? Token, string? Problem) ParseJson(string json)
    {
        try
        {
            return (JsonConvert.DeserializeObject<JToken>(json, Settings) ?? JValue.CreateNull(), null);
        }
        catch (JsonException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>The compact JSON of a value (attributes keep what the payload held).</summary>
    public static string Compact(JToken value) => value.ToString(Formatting.None);
}
