using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Core.Policies;
using YamlDotNet.RepresentationModel;
using Reconciler.Http;

namespace Reconciler.Cli;

/// <summary>
/// Reads a policy file, JSON or YAML (by extension), into the JSON shape of docs/domain.md and validates it with
/// Core's <see cref="PolicyReader"/> before anything is sent, so a typo is reported with its path locally.
/// A file written by hand may have comments and trailing commas; what is sent is plain JSON, which the HTTP API
/// takes (it reads request bodies strictly).
/// </summary>
public static class PolicyFile
{
    public static string ReadAsJson(string path)
    {
        if (!File.Exists(path))
        {
            throw new ServerCallException($"no policy file '{path}'");
        }
        var text = File.ReadAllText(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        var json = extension is ".yaml" or ".yml" ? YamlToJson(text, path) : text;
        var read = PolicyReader.Read(json);
        if (read.Policy is null)
        {
            throw new ServerCallException($"{path} is not a valid policy:{Environment.NewLine}" +
                string.Join(Environment.NewLine, read.Problems.Select(p => $"  {p.Path}: {p.Message}")));
        }
        return PlainJson(json);
    }

    // The reader has accepted the text, so it parses with the same leniency.
    private static string PlainJson(string json) =>
        JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public static string YamlToJson(string yaml, string name = "YAML")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ServerCallException($"{name} is not valid YAML at line {e.Start.Line}: {e.Message}");
        }
        if (stream.Documents.Count == 0)
        {
            throw new ServerCallException($"{name} is empty");
        }
        return (ToNode(stream.Documents[0].RootNode) ?? new JsonObject()).ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonNode? ToNode(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", ToNode(p.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToNode)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    /// <summary>Plain scalars that look like numbers, booleans or null become those; quoted ones stay strings.</summary>
    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted
            or YamlDotNet.Core.ScalarStyle.Literal or YamlDotNet.Core.ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }
        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && value.Any(char.IsDigit) => JsonValue.Create(d),
            _ => JsonValue.Create(value),
        };
    }
}
