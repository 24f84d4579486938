using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Core.Policies;
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
        var json = extension is ".yaml" or ".yml" ? YamlOf(text, path) : text;
        var read = PolicyReader.Read(json);
        if (read.Policy is null)
        {
            throw new ServerCallException($"{path} is not a valid policy:{Environment.NewLine}" +
                string.Join(Environment.NewLine, read.Problems.Select(p => $"  {p.Path}: {p.Message}")));
        }
        return PlainJson(json);
    }

    private static string YamlOf(string text, string path)
    {
        try
        {
            return PolicyYaml.ToJson(text, path);
        }
        catch (FormatException e)
        {
            throw new ServerCallException(e.Message);
        }
    }

    // The reader has accepted the text, so it parses with the same leniency.
    private static string PlainJson(string json) =>
        JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
