using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace Reconciler.IntegrationTests.Contract;

/// <summary>
/// Stoplight Prism as a validating proxy in front of a server: each request and its response are checked against
/// the OpenAPI document, and what breaks it comes back in the <c>sl-violations</c> header (nothing is changed:
/// <c>--errors false</c>). <see cref="Client"/> records every exchange with its violations.
/// </summary>
public sealed class PrismProxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<HttpClient> _clients = [];

    private PrismProxy(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public List<WireExchange> Exchanges { get; } = [];

    public static async Task<PrismProxy> StartAsync(string documentPath, Uri upstream, string workingDirectory)
    {
        var prism = ContractTools.NodeTool("prism");
        var port = FreePort();
        var process = ContractTools.Start(prism,
            ["proxy", documentPath, upstream.ToString().TrimEnd('/'), "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--errors", "false"],
            workingDirectory);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Text.StringBuilder();
        void Read(object _, DataReceivedEventArgs e)
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
            if (e.Data?.Contains("Prism is listening", StringComparison.Ordinal) is true)
            {
                listening.TrySetResult();
            }
        }
        process.OutputDataReceived += Read;
        process.ErrorDataReceived += Read;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = await Task.WhenAny(listening.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (started != listening.Task)
        {
            process.Kill(entireProcessTree: true);
            lock (log)
            {
                Assert.Fail($"Prism did not start: {log}");
            }
        }
        return new PrismProxy(process, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>A client through the proxy with this bearer key (none: no Authorization header).</summary>
    public HttpClient Client(string? key)
    {
        var client = new HttpClient(new Recorder(this)) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Reads each answer's sl-violations header into an exchange; the test then says what it expected of it.</summary>
    private sealed class Recorder(PrismProxy proxy) : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var violations = response.Headers.TryGetValues("sl-violations", out var values)
                ? values.SelectMany(Parse).ToList()
                : [];
            lock (proxy.Exchanges)
            {
                proxy.Exchanges.Add(new WireExchange($"{request.Method} {request.RequestUri!.PathAndQuery}", (int)response.StatusCode, violations));
            }
            return response;
        }

        private static IEnumerable<Violation> Parse(string header)
        {
            using var json = JsonDocument.Parse(header);
            return json.RootElement.EnumerateArray().Select(v => new Violation(
                string.Join('.', v.GetProperty("location").EnumerateArray().Select(l => l.ToString())),
                v.GetProperty("severity").GetString()!,
                v.GetProperty("message").GetString()!)).ToList();
        }
    }
}
