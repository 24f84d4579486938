using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Reconciler.Http;

/// <summary>Where a JSON body breaks the input rules: the JSON path of the field, a problem slug and what to fix.</summary>
public sealed record JsonTextProblem(string Field, string Slug, string Message);

/// <summary>
/// Reads JSON request bodies under the input rules. System.Text.Json checks the structure but lets invalid
/// UTF-8 and unpaired surrogate escapes through until a string is read (then it throws), and PostgreSQL
/// refuses NUL; so every string and property name is checked here first, once, and a bad one names its field.
/// A property given twice in one object is refused too: which of the two counts would be a guess.
/// </summary>
public static class StrictJson
{
    public const int MaxDepth = 64;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>The parsed document, or the problem that keeps the body out (malformed JSON included).</summary>
    public static (JsonDocument? Document, JsonTextProblem? Problem) Parse(ReadOnlyMemory<byte> utf8)
    {
        JsonTextProblem? problem;
        try
        {
            problem = FindProblem(utf8.Span);
        }
        catch (JsonException e)
        {
            return (null, new JsonTextProblem("$", "malformed-json", $"The body is not valid JSON: {e.Message}"));
        }
        return problem is null ? (JsonDocument.Parse(utf8, DocumentOptions), null) : (null, problem);
    }

    /// <summary>The first string or property name that breaks the rules, or null. Throws <see cref="JsonException"/> for malformed JSON.</summary>
    public static JsonTextProblem? FindProblem(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        var path = new JsonPathTracker();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    var (name, nameProblem) = ReadString(ref reader, wantText: true);
                    if (nameProblem is not null)
                    {
                        return new JsonTextProblem(path.Describe(), nameProblem.Value.Slug, $"a property name under {path.Describe()} {nameProblem.Value.Message}");
                    }
                    if (!path.Property(name!))
                    {
                        return new JsonTextProblem(path.Describe(), "repeated-property", $"{path.Describe()} is given more than once; give each property once");
                    }
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    path.Value();
                    path.Enter(reader.TokenType == JsonTokenType.StartArray);
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    path.Leave();
                    break;
                case JsonTokenType.String:
                    path.Value();
                    var (_, valueProblem) = ReadString(ref reader, wantText: false);
                    if (valueProblem is not null)
                    {
                        return new JsonTextProblem(path.Describe(), valueProblem.Value.Slug, $"{path.Describe()} {valueProblem.Value.Message}");
                    }
                    break;
                default:
                    path.Value();
                    break;
            }
        }
        return null;
    }

    private static (string? Text, (string Slug, string Message)? Problem) ReadString(ref Utf8JsonReader reader, bool wantText)
    {
        // The reader runs over one span, so every value is contiguous (no ValueSequence).
        var raw = reader.ValueSpan;
        if (!Utf8.IsValid(raw))
        {
            return (null, ("invalid-utf8", "holds bytes that are not valid UTF-8; send all text as UTF-8"));
        }
        if (!reader.ValueIsEscaped)
        {
            // Raw control characters (NUL among them) cannot appear unescaped: the reader refuses them.
            return (wantText ? Encoding.UTF8.GetString(raw) : null, null);
        }
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return (null, ("unpaired-surrogate", "holds an unpaired surrogate escape such as \\udfff; write characters beyond U+FFFF as a surrogate pair or as UTF-8"));
        }
        return text.Contains('\0', StringComparison.Ordinal)
            ? (null, ("nul-character", "holds a NUL character (\\u0000), which no field accepts"))
            : (text, null);
    }

    /// <summary>
    /// The JSON path of the value being read (<c>signals[3].attributes.amount</c>), kept cheaply until a problem
    /// needs it, and the property names of each open object (one reused list per depth: bodies hold thousands of small objects).
    /// </summary>
    private sealed class JsonPathTracker
    {
        private readonly List<(bool IsArray, int Index, string? Property)> _frames = [];
        private readonly List<List<string>> _names = [];

        public void Enter(bool isArray)
        {
            _frames.Add((isArray, -1, null));
            if (_names.Count < _frames.Count)
            {
                _names.Add([]);
            }
            _names[_frames.Count - 1].Clear();
        }

        public void Leave() => _frames.RemoveAt(_frames.Count - 1);

        /// <summary>The next property of the current object; false when the object already has one of that name.</summary>
        public bool Property(string name)
        {
            _frames[^1] = _frames[^1] with { Property = name };
            var seen = _names[_frames.Count - 1];
            if (seen.Count < 16 ? seen.Contains(name, StringComparer.Ordinal) : seen.BinarySearch(name, StringComparer.Ordinal) >= 0)
            {
                return false;
            }
            if (seen.Count < 16)
            {
                seen.Add(name);
                if (seen.Count == 16)
                {
                    seen.Sort(StringComparer.Ordinal);
                }
            }
            else
            {
                var at = ~seen.BinarySearch(name, StringComparer.Ordinal);
                seen.Insert(at, name);
            }
            return true;
        }

        /// <summary>A value starts: inside an array it is the next element.</summary>
        public void Value()
        {
            if (_frames.Count > 0 && _frames[^1].IsArray)
            {
                _frames[^1] = _frames[^1] with { Index = _frames[^1].Index + 1 };
            }
        }

        public string Describe()
        {
            var text = new StringBuilder();
            foreach (var (isArray, index, property) in _frames)
            {
                if (isArray)
                {
                    text.Append('[').Append(index).Append(']');
                }
                else if (property is not null)
                {
                    text.Append(text.Length == 0 ? "" : ".").Append(Printable(property));
                }
            }
            return text.Length == 0 ? "$" : text.ToString();
        }

        // A property name goes into an error message: keep it short and free of control characters.
        private static string Printable(string name)
        {
            var cut = name.Length > 64 ? name[..64] + "…" : name;
            return InputRules.IndexOfControl(cut) < 0 ? cut : string.Concat(cut.Select(c => char.IsControl(c) ? '?' : c));
        }
    }
}
