using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Reconciler.Testing;

/// <summary>
/// `reconciler serve` as a child process (the benchmarks measure it from
/// outside, RSS included; the process tests kill it). Started on a free loopback port, ready once /healthz answers.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringWriter _output = new();

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }
    public int Pid => _process.Id;
    public string Output { get { lock (_output) { return _output.ToString(); } } }

    /// <summary>Starts <c>reconciler serve</c> with <paramref name="serveArguments"/> (besides --urls) and extra environment.</summary>
    public static async Task<ServerProcess> StartAsync(
        IEnumerable<string> serveArguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var port = FreePort();
        var start = ReconcilerExecutable();
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var argument in serveArguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until && !process.HasExited)
        {
            try
            {
                if ((await client.GetAsync(new Uri(server.Address, "/healthz"))).StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or still compiling its first answer on a busy machine.
            }
            await Task.Delay(100);
        }
        if (process.HasExited)
        {
            // HasExited can be true before the last lines of output have been read; this waits for the streams' end.
            await process.WaitForExitAsync();
        }
        var exited = process.HasExited ? $"exited with {process.ExitCode}" : "still running";
        await server.DisposeAsync();
        throw new InvalidOperationException($"reconciler serve did not become healthy ({exited}):\n{server.Output}");
    }

    /// <summary>The peak resident set size of the server so far, from /proc (Linux).</summary>
    public long PeakRssBytes()
    {
        var status = File.ReadAllLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return status is null ? 0 : long.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as an orchestrator stops a service; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>`dotnet reconciler.dll`: the project reference to the product puts it next to the test or benchmark binary.</summary>
    private static ProcessStartInfo ReconcilerExecutable()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "reconciler.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        return start;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.WriteLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
