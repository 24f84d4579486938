using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Spectre.Console;

namespace Reconciler.Cli;

/// <summary>
/// <c>reconciler import &lt;file.csv&gt; --source bank</c>: streams a statement or settlement file to the running server
/// (POST /v1/sources/{source}/imports, docs/inbound.md) with a progress bar, then prints the import's summary.
/// </summary>
public static class ImportCommand
{
    /// <summary>Rejected or unmatched rows printed; the rest are in the summary the server keeps.</summary>
    public const int ProblemsShown = 50;

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The CSV file (UTF-8), read by the source's inbound mapping (its csv section)" };
        var source = new Option<string>("--source") { Description = "The source the file comes from, e.g. bank", Required = true };
        var command = new Command("import", "Import a statement or settlement CSV through a source's inbound mapping, streamed, and print the summary. Calls the running server's HTTP API (POST /v1/sources/{source}/imports; the source's key or an admin key; --server, --key).")
        {
            file, source, ServerClient.Server, ServerClient.Key,
        };
        command.SetAction((result, ct) => ServerClient.RunAsync("import", () => RunAsync(
            result.GetValue(ServerClient.Server)!, result.GetValue(ServerClient.Key), Console.Out, result.GetValue(file)!, result.GetValue(source)!, ct)));
        return command;
    }

    public static async Task RunAsync(string server, string? key, TextWriter output, string path, string source, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            throw new ServerCallException($"{path}: no such file (paths are relative to the folder the command is typed in)");
        }
        var console = ServerClient.ConsoleFor(output);
        using var client = new ServerClient(server, key, Timeout.InfiniteTimeSpan);
        await using var stream = File.OpenRead(path);
        var length = stream.Length;
        var sent = new CountingStream(stream);
        using var content = new StreamContent(sent, 64 * 1024);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        content.Headers.ContentLength = length;
        var call = client.SendContentAsync(HttpMethod.Post, $"/v1/sources/{Uri.EscapeDataString(source)}/imports", content, ct);
        // The server reads the file as it imports it, so the bytes sent are the import's progress.
        await console.Progress().AutoClear(false).HideCompleted(false).StartAsync(async progress =>
        {
            var task = progress.AddTask($"Importing {Path.GetFileName(path)} as {source}", maxValue: Math.Max(1, length));
            while (!call.IsCompleted)
            {
                task.Value = sent.Position;
                await Task.WhenAny(call, Task.Delay(200, ct));
            }
            task.Value = task.MaxValue;
        });
        var (_, summary) = await call;
        Write(console, summary);
    }

    /// <summary>The summary as two tables: the counts, then the rows that made no signal.</summary>
    public static void Write(IAnsiConsole console, JsonElement summary)
    {
        ArgumentNullException.ThrowIfNull(console);
        string Count(string name) => summary.TryGetProperty(name, out var n) && n.ValueKind == JsonValueKind.Number
            ? n.GetInt64().ToString("N0", CultureInfo.InvariantCulture) : "0";
        var counts = new CliTable(
            $"Import {ServerClient.Text(summary, "importId")} of {ServerClient.Text(summary, "source")} (mapping v{ServerClient.Text(summary, "mappingVersion")}): {ServerClient.Text(summary, "status")}",
            new CliColumn("rows"), new CliColumn("signals"), new CliColumn("accepted"), new CliColumn("recorded"), new CliColumn("duplicates"),
            new CliColumn("rejected"), new CliColumn("unmatched"));
        counts.AddRow(Count("rows"), Count("signals"), Count("accepted"), Count("recorded"), Count("duplicates"), Count("rejected"), Count("unmatched"));
        console.Write(counts.For(console));
        var problems = summary.TryGetProperty("problems", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : [];
        if (problems.Count > 0)
        {
            var table = new CliTable("Rows that made no signal", new CliColumn("row", CliWrap.Never), new CliColumn("reason"));
            foreach (var problem in problems.Take(ProblemsShown))
            {
                table.AddRow(ServerClient.Text(problem, "row"), ServerClient.Text(problem, "reason"));
            }
            console.Write(table.For(console));
            if (problems.Count > ProblemsShown || ServerClient.Text(summary, "problemsTruncated") == "true")
            {
                console.WriteLine($"The first {ProblemsShown} are shown; GET /v1/sources/{ServerClient.Text(summary, "source")}/imports/{ServerClient.Text(summary, "importId")} lists up to 1,000.");
            }
        }
        if (ServerClient.Text(summary, "failure") is { Length: > 0 } failure)
        {
            console.WriteLine(failure);
        }
    }

    /// <summary>A read-only stream that counts what was read from it (the upload's progress).</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        private long _read;

        public override long Position { get => Interlocked.Read(ref _read); set => throw new NotSupportedException(); }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int read)
        {
            Interlocked.Add(ref _read, read);
            return read;
        }
    }
}
