using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reconciler.Api;

/// <summary>The API's JSON conventions: camelCase, ISO-8601 times, nulls left out.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        return options;
    }
}
