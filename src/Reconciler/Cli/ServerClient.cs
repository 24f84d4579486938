using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Reconciler.Cli;

/// <summary>
/// The client side of the commands that talk to a running server over its HTTP API (--server, --key).
/// A failed call becomes a <see cref="ServerCallException"/> carrying the problem's title and detail.
/// </summary>
public sealed class ServerClient : IDisposable
{
    public const string DefaultServer = "http://127.0.0.1:5080";
    public const string KeyVariable = "RECONCILER_KEY";
    private const string ConsistencyHeader = Store.Replicas.ConsistencyToken.Header;

    public static readonly Option<string> Server = new("--server")
    {
        Description = "URL of the running Reconciler server",
        DefaultValueFactory = _ => DefaultServer,
    };

    public static readonly Option<string?> Key = new("--key")
    {
        Description = $"API key to call the server with (default: the {KeyVariable} environment variable)",
    };

    private readonly HttpClient _http;
    private readonly bool _hasKey;

    // The consistency token of this client's last write (a server with read replicas answers one): sent with every later
    // call, so a command that writes and then reads sees its own write even when a replica serves the read.
    private string? _lastWrite;

    /// <param name="timeout">How long one call may take (100 s; an import of a large file takes as long as the file).</param>
    public ServerClient(string server, string? key, TimeSpan? timeout = null)
    {
        _http = new HttpClient { BaseAddress = new Uri(server.TrimEnd('/') + "/"), Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        key ??= Environment.GetEnvironmentVariable(KeyVariable);
        _hasKey = !string.IsNullOrEmpty(key);
        if (_hasKey)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken ct) =>
        Parse(await SendAsync(new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/')), ct));

    public async Task<string> GetTextAsync(string path, string accept, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        request.Headers.Accept.ParseAdd(accept);
        return await SendAsync(request, ct);
    }

    public async Task<JsonElement> SendJsonAsync(HttpMethod method, string path, string json, CancellationToken ct) =>
        (await SendJsonWithStatusAsync(method, path, json, ct)).Body;

    /// <summary>As <see cref="SendJsonAsync"/>, with the status code (200 and 201 can mean different things, as for policies).</summary>
    public async Task<(int Status, JsonElement Body)> SendJsonWithStatusAsync(HttpMethod method, string path, string json, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        var (status, text) = await SendWithStatusAsync(request, ct);
        return (status, Parse(text));
    }

    /// <summary>Sends a body as it is (a file streamed as it is read); the answer's status and JSON.</summary>
    public async Task<(int Status, JsonElement Body)> SendContentAsync(HttpMethod method, string path, HttpContent content, CancellationToken ct)
    {
        var (status, text) = await SendWithStatusAsync(new HttpRequestMessage(method, path.TrimStart('/')) { Content = content }, ct);
        return (status, Parse(text));
    }

    private async Task<string> SendAsync(HttpRequestMessage request, CancellationToken ct) => (await SendWithStatusAsync(request, ct)).Text;

    private async Task<(int Status, string Text)> SendWithStatusAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            var target = new Uri(_http.BaseAddress!, request.RequestUri!);
            if (_lastWrite is not null)
            {
                request.Headers.TryAddWithoutValidation(ConsistencyHeader, _lastWrite);
            }
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, ct);
            }
            catch (HttpRequestException e)
            {
                throw new ServerCallException($"cannot reach the server at {_http.BaseAddress}: {e.Message} (start it with `reconciler serve`, or pass --server)");
            }
            using (response)
            {
                if (response.Headers.TryGetValues(ConsistencyHeader, out var tokens))
                {
                    _lastWrite = tokens.LastOrDefault() ?? _lastWrite;
                }
                var text = await response.Content.ReadAsStringAsync(ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new ServerCallException($"{request.Method} {target}: {(int)response.StatusCode} {Describe(response.StatusCode, text)}");
                }
                return ((int)response.StatusCode, text);
            }
        }
    }

    // A 401's detail tells an HTTP client which header to send; a CLI user passes --key instead.
    private static readonly string KeyAdvice =
        $"Pass an API key with --key <key> or set {KeyVariable}; the first admin key is the secret the server was started with in " +
        $"{ServeCommand.BootstrapAdminKeyVariable}, and `reconciler keys create` makes others.";

    private string Describe(System.Net.HttpStatusCode status, string problem)
    {
        try
        {
            var json = JsonDocument.Parse(problem).RootElement;
            var title = Text(json, "title");
            var detail = status != System.Net.HttpStatusCode.Unauthorized ? Text(json, "detail")
                : _hasKey ? $"{Text(json, "detail")} {KeyAdvice}"
                : $"no API key was given. {KeyAdvice}";
            var errors = json.TryGetProperty("errors", out var e) ? " " + e.GetRawText() : "";
            return $"{title}{(detail.Length > 0 ? ": " + detail : "")}{errors}";
        }
        catch (JsonException)
        {
            return problem;
        }
    }

    private static JsonElement Parse(string text) => text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();

    /// <summary>A string property, or "" when absent or null.</summary>
    public static string Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText()
            : "";

    /// <summary>A console over any writer: plain text (no colours, no cursor moves) when it is not the terminal.</summary>
    public static IAnsiConsole ConsoleFor(TextWriter output)
    {
        var terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            // Piped or captured output has no window to measure: COLUMNS when the caller sets it (a fixed width), else wide.
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var columns) && columns >= 20 ? columns : 200;
        }
        return console;
    }

    /// <summary>Runs a command body, turning a failed call into a message on stderr and exit code 1.</summary>
    public static async Task<int> RunAsync(string command, Func<Task> body)
    {
        try
        {
            await body();
            return 0;
        }
        catch (ServerCallException e)
        {
            await Console.Error.WriteLineAsync($"reconciler {command}: {e.Message}");
            return 1;
        }
    }

    public void Dispose() => _http.Dispose();
}

public sealed class ServerCallException(string message) : Exception(message);
