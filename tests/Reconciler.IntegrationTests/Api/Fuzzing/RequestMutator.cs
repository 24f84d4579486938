using System.Text;

namespace Reconciler.IntegrationTests.Api.Fuzzing;

/// <summary>
/// Turns a valid request into a hostile one, reproducibly from a seed: hostile string values (invalid
/// UTF-8, unpaired surrogates, NUL, formulas, huge), wrong types, missing and unknown fields, truncation,
/// byte flips, bad times and numbers, and hostile paths, queries and headers.
/// </summary>
public sealed class RequestMutator(Random random)
{
    /// <summary>Raw bytes to put inside a JSON string; true when no valid request may contain them.</summary>
    private static readonly (byte[] Bytes, bool Invalid)[] HostileStrings =
    [
        ([0xff], true), ([0x61, 0xc3, 0x28], true), ([0xed, 0xa0, 0x80], true), ([0xc0, 0xaf], true), ([0xf8, 0x88, 0x80, 0x80, 0x80], true),
        (Ascii("\\udfff"), true), (Ascii("\\ud800"), true), (Ascii("a\\ud83d"), true), (Ascii("\\u0000"), true), (Ascii("pay\\u0000ment"), true),
        (Ascii(""), false), (Ascii(" "), false), (Ascii("\\t\\r\\n"), false), (Ascii("\\u0001"), false), (Utf8("\u202e\u0644\u0627"), false),
        (Ascii("=cmd|' /C calc'!A0"), false), (Ascii("+1+1"), false), (Ascii("-1"), false), (Ascii("@SUM(1)"), false),
        (Ascii("'; DROP TABLE events;--"), false), (Ascii("../../etc/passwd"), false), (Ascii("%00"), false), (Ascii("<script>alert(1)</script>"), false),
        (Utf8("😀\ufffd\ufeff"), false), (Ascii(new string('a', 201)), false), (Ascii(new string('b', 5000)), false), (Ascii(new string('c', 20_000)), false),
        (Ascii("2026-11-21"), false), (Ascii("2026-11-21T10:00:03"), false), (Ascii("yesterday"), false), (Ascii("9999-12-31T23:59:59-01:00"), false),
    ];

    private static readonly string[] WrongValues = ["0", "-1", "1e999", "1.5", "true", "null", "[]", "{}", "[[[[[[]]]]]]", "\"1\"", "18446744073709551616"];

    private static readonly string[] HostileSegments = ["%00", "%ff", "%C0%AF", "%ed%a0%80", "%01", "..", "%2e%2e", "a%zz", "%E2%80%AE", new string('x', 300), "=1+1", "a b", "%20"];

    private static readonly string[] HostileQueryValues = ["%00", "%09", "%ff", "%E2%80%AE", "1e3", "-1", "", "NaN", "99999999999999999999", "0", "1001", "end", "%25", "a%zz", new string('q', 1200), "2026-11-21", "yesterday", "open%0d%0a"];

    private static readonly string[] QueryNames = ["kind", "status", "severity", "source", "facet", "operationType", "operationId", "from", "to", "cursor", "limit", "after", "types", "waitSeconds", "fromVersion", "version", "at", "outcome", "health", "format"];

    public FuzzRequest Mutate(FuzzRequest valid)
    {
        var request = valid;
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            request = random.Next(10) switch
            {
                < 5 when request.Body is not null => MutateBody(request),
                5 or 6 => MutateQuery(request),
                7 => MutatePath(request),
                8 => MutateHeaders(request),
                _ => request.Body is not null ? MutateBody(request) : MutateQuery(request),
            };
        }
        return request;
    }

    private FuzzRequest MutateBody(FuzzRequest request)
    {
        var body = request.Body!;
        if (body.Length == 0)
        {
            return request with { Body = Ascii("{"), Mutations = request.Mutations + "empty{;" };
        }
        var strings = StringValueSpans(body);
        switch (random.Next(9))
        {
            case < 4 when strings.Count > 0:
                var (start, length) = strings[random.Next(strings.Count)];
                var (bytes, invalid) = HostileStrings[random.Next(HostileStrings.Length)];
                return request with
                {
                    Body = [.. body.AsSpan(0, start), .. bytes, .. body.AsSpan(start + length)],
                    Mutations = request.Mutations + $"string@{start}={Describe(bytes)};",
                    // This string may be the one an earlier mutation made invalid: only this one's bytes are sure.
                    MustBeRefused = invalid,
                };
            case 4 when strings.Count > 0:
                // A string value becomes another type: the quotes go too.
                var (at, size) = strings[random.Next(strings.Count)];
                var wrong = Ascii(WrongValues[random.Next(WrongValues.Length)]);
                return request with { Body = [.. body.AsSpan(0, at - 1), .. wrong, .. body.AsSpan(at + size + 1)], Mutations = request.Mutations + $"type@{at};", MustBeRefused = false };
            case 5:
                var cut = random.Next(body.Length);
                return request with { Body = body[..cut], Mutations = request.Mutations + $"truncate@{cut};", MustBeRefused = false };
            case 6:
                var flip = random.Next(body.Length);
                var flipped = (byte[])body.Clone();
                flipped[flip] = (byte)random.Next(256);
                // The flip may land on an earlier hostile byte, so the request is no longer sure to be refused.
                return request with { Body = flipped, Mutations = request.Mutations + $"byte@{flip}={flipped[flip]:x2};", MustBeRefused = false };
            case 7:
                // An unknown or repeated field in the first object.
                var brace = Array.IndexOf(body, (byte)'{');
                var extra = Ascii(random.Next(2) == 0 ? "\"zzz\":1," : "\"facet\":\"again\",");
                return brace < 0 ? request : request with { Body = [.. body.AsSpan(0, brace + 1), .. extra, .. body.AsSpan(brace + 1)], Mutations = request.Mutations + "field+;" };
            default:
                var depth = random.Next(50, 300);
                return request with { Body = [.. Ascii(new string('[', depth)), .. body, .. Ascii(new string(']', depth))], Mutations = request.Mutations + $"nest{depth};" };
        }
    }

    private FuzzRequest MutateQuery(FuzzRequest request)
    {
        var target = Encoding.ASCII.GetString(request.Target);
        var name = QueryNames[random.Next(QueryNames.Length)];
        var value = HostileQueryValues[random.Next(HostileQueryValues.Length)];
        var joined = target + (target.Contains('?') ? "&" : "?") + $"{name}={value}";
        return request with { Target = Ascii(joined), Mutations = request.Mutations + $"query {name}={Short(value)};" };
    }

    private FuzzRequest MutatePath(FuzzRequest request)
    {
        var target = Encoding.ASCII.GetString(request.Target);
        var query = target.IndexOf('?');
        var path = query < 0 ? target : target[..query];
        var segments = path.Split('/');
        var index = random.Next(1, segments.Length);
        var segment = HostileSegments[random.Next(HostileSegments.Length)];
        segments[index] = random.Next(2) == 0 ? segment : segments[index] + segment;
        return request with { Target = Ascii(string.Join('/', segments) + (query < 0 ? "" : target[query..])), Mutations = request.Mutations + $"path[{index}]={Short(segment)};" };
    }

    private FuzzRequest MutateHeaders(FuzzRequest request)
    {
        byte[] header = random.Next(6) switch
        {
            0 => Ascii("Accept: text/csv\r\n"),
            1 => Ascii("Accept: text/html;q=0.9, application/xml\r\n"),
            2 => [.. Ascii("X-Note: caf"), 0xff, .. Ascii("\r\n")],
            3 => Ascii($"X-Padding: {new string('p', 40_000)}\r\n"),
            4 => Ascii("Last-Event-ID: %00garbage\r\n"),
            _ => Ascii("Content-Type: text/plain\r\n"),
        };
        return request with { Headers = [.. request.Headers, .. header], Mutations = request.Mutations + $"header {Short(Encoding.Latin1.GetString(header).Trim())};" };
    }

    /// <summary>The (start, length) of every JSON string value's content (not property names), found by a simple scan.</summary>
    private static List<(int Start, int Length)> StringValueSpans(byte[] json)
    {
        var spans = new List<(int, int)>();
        for (var i = 0; i < json.Length; i++)
        {
            if (json[i] != (byte)'"')
            {
                continue;
            }
            var end = i + 1;
            while (end < json.Length && json[end] != (byte)'"')
            {
                end += json[end] == (byte)'\\' ? 2 : 1;
            }
            if (end >= json.Length)
            {
                break;
            }
            var next = end + 1;
            while (next < json.Length && json[next] == (byte)' ')
            {
                next++;
            }
            if (next >= json.Length || json[next] != (byte)':')
            {
                spans.Add((i + 1, end - i - 1));
            }
            i = end;
        }
        return spans;
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Describe(byte[] bytes) => Short(string.Concat(bytes.Select(b => b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}")));

    private static string Short(string text) => text.Length > 24 ? text[..24] + "…" : text;
}
