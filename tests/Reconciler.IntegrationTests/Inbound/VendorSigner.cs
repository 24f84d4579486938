using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reconciler.IntegrationTests.Inbound;

/// <summary>A delivery as a vendor's own library made it: the headers to send and the exact body.</summary>
public sealed record SignedDelivery(IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// Signs test deliveries with the vendors' own npm libraries (tests/inbound-vendors: stripe's
/// <c>webhooks.generateTestHeaderString</c>, <c>standardwebhooks</c>, <c>@octokit/webhooks-methods</c>, <c>cloudevents</c>),
/// run by node — never with the server's verification code, which would only check itself. Missing tools fail the test
/// and say how to install them.
/// </summary>
public static class VendorSigner
{
    public static Task<SignedDelivery> StripeAsync(string payload, string secret, long timestamp) =>
        RunAsync(new JsonObject { ["vendor"] = "stripe", ["payload"] = payload, ["secret"] = secret, ["timestamp"] = timestamp });

    public static Task<SignedDelivery> StandardWebhooksAsync(string id, string payload, string secret, long timestamp) =>
        RunAsync(new JsonObject { ["vendor"] = "standardwebhooks", ["id"] = id, ["payload"] = payload, ["secret"] = secret, ["timestamp"] = timestamp });

    public static Task<SignedDelivery> GitHubAsync(string payload, string secret) =>
        RunAsync(new JsonObject { ["vendor"] = "octokit", ["payload"] = payload, ["secret"] = secret });

    /// <summary>A CloudEvent as the JavaScript SDK sends it, in binary or structured mode.</summary>
    public static Task<SignedDelivery> CloudEventAsync(bool binary, JsonObject cloudEvent) =>
        RunAsync(new JsonObject { ["vendor"] = binary ? "cloudevents-binary" : "cloudevents-structured", ["event"] = cloudEvent });

    private static async Task<SignedDelivery> RunAsync(JsonObject input)
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "inbound-vendors");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "stripe")))
        {
            Assert.Fail($"The vendors' signing libraries are not installed in {folder}: run script/bootstrap --test (it runs npm ci there).");
        }
        var start = new ProcessStartInfo("node", "sign.mjs")
        {
            WorkingDirectory = folder, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"node is not on PATH ({e.Message}): the inbound tests sign with the vendors' npm libraries; run script/bootstrap --test.");
            throw;
        }
        using (process)
        {
            await process.StandardInput.WriteAsync(input.ToJsonString());
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"node sign.mjs failed ({process.ExitCode}): {await error}");
            var result = JsonNode.Parse(await output)!.AsObject();
            var headers = result["headers"]!.AsObject().ToDictionary(h => h.Key, h => h.Value!.GetValue<string>());
            return new SignedDelivery(headers, result["body"]!.GetValue<string>());
        }
    }

    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Reconciler.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException("Reconciler.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Sends a signed delivery as it is: the exact body, the vendor's headers (the content type among them).</summary>
    public static async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, string source, SignedDelivery delivery, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/inbound/{source}");
        request.Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(delivery.Body));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        foreach (var (name, value) in delivery.Headers)
        {
            if (name.Equals("content-type", StringComparison.OrdinalIgnoreCase))
            {
                request.Content.Headers.Remove("Content-Type");
                request.Content.Headers.TryAddWithoutValidation("Content-Type", value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
