using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reconciler.Http;

/// <summary>The API's JSON conventions: camelCase, ISO-8601 times, nulls left out, numbers only as numbers.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        // Numbers are numbers on the wire. The web defaults also read them from strings, and the OpenAPI document,
        // generated from these options, would then promise clients that "42" is a whole number too.
        options.NumberHandling = JsonNumberHandling.Strict;
        return options;
    }
}
