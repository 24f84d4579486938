using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;

namespace Reconciler.Http;

/// <summary>
/// Applies the input rules to the request target before routing: every path segment and query
/// parameter is percent-decoded strictly (valid UTF-8, no control character, a length limit), and a
/// query parameter may be given once. A bad target is a 400 problem that names the segment or parameter.
/// </summary>
public static class RequestTargetCheck
{
    public static IApplicationBuilder UseRequestTargetCheck(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;
            if (FindProblem(target) is { } problem)
            {
                await Problems.BadRequest(problem.Slug, problem.Detail).ExecuteAsync(context);
                return;
            }
            await next(context);
        });

    /// <summary>What is wrong with a raw request target (path and query, still percent-encoded), or null.</summary>
    public static (string Slug, string Detail)? FindProblem(string rawTarget)
    {
        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? rawTarget : rawTarget[..queryStart];
        var segmentNumber = 0;
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            segmentNumber++;
            var problem = Decode(segment, plusIsSpace: false, out var decoded) ?? InputRules.NameProblem(decoded, InputRules.MaxPathSegmentLength);
            if (problem is not null)
            {
                return ("invalid-path", $"Path segment {segmentNumber} ('{Shown(segment)}') {problem}. Ids in paths are percent-encoded UTF-8 without control characters.");
            }
        }
        return queryStart < 0 ? null : QueryProblem(rawTarget[(queryStart + 1)..]);
    }

    private static (string Slug, string Detail)? QueryProblem(string query)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var rawName = equals < 0 ? pair : pair[..equals];
            var nameProblem = Decode(rawName, plusIsSpace: true, out var name) ?? InputRules.NameProblem(name, 100);
            if (nameProblem is not null)
            {
                return ("invalid-query", $"The query parameter name '{Shown(rawName)}' {nameProblem}.");
            }
            if (!seen.Add(name))
            {
                return ("invalid-query", $"The query parameter '{name}' is given more than once; give each parameter once.");
            }
            var rawValue = equals < 0 ? "" : pair[(equals + 1)..];
            var valueProblem = Decode(rawValue, plusIsSpace: true, out var value) ?? ValueProblem(value);
            if (valueProblem is not null)
            {
                return ("invalid-query", $"The query parameter '{name}' {valueProblem}.");
            }
        }
        return null;
    }

    private static string? ValueProblem(string value)
    {
        if (value.Length > InputRules.MaxQueryValueLength)
        {
            return $"must be at most {InputRules.MaxQueryValueLength} characters";
        }
        var control = InputRules.IndexOfControl(value);
        return control < 0 ? null : $"holds the control character U+{(int)value[control]:X4}; filters and cursors may not hold control characters";
    }

    /// <summary>Strict percent-decoding to UTF-8 text: a '%' must start two hex digits, and the bytes must be valid UTF-8.</summary>
    private static string? Decode(string encoded, bool plusIsSpace, out string decoded)
    {
        decoded = "";
        if (!encoded.Contains('%', StringComparison.Ordinal) && !(plusIsSpace && encoded.Contains('+', StringComparison.Ordinal)))
        {
            decoded = encoded;
            return null;
        }
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%')
            {
                if (i + 2 >= encoded.Length || !Uri.IsHexDigit(encoded[i + 1]) || !Uri.IsHexDigit(encoded[i + 2]))
                {
                    return "holds a '%' that is not followed by two hex digits; write a literal % as %25";
                }
                bytes.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (plusIsSpace && c == '+')
            {
                bytes.Add((byte)' ');
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
        var array = bytes.ToArray();
        if (!Utf8.IsValid(array))
        {
            return "is not valid UTF-8 once percent-decoded";
        }
        decoded = Encoding.UTF8.GetString(array);
        return null;
    }

    private static string Shown(string raw) => raw.Length > 60 ? raw[..60] + "…" : raw;
}
