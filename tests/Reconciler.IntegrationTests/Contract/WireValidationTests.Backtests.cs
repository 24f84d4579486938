using System.Net.Http.Json;
using System.Text.Json;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Contract;

public sealed partial class WireValidationTests
{
    /// <summary>
    /// Backtests of the story's type: one asked for and followed to its end, listed, its changes paged and exported, then
    /// deleted (cancelling one that runs answers the same view as its GET, so it is left out: whether a run of two operations
    /// has ended by the time a DELETE arrives is a race).
    /// </summary>
    private async Task PlayBacktestsAsync(HttpClient auditor, HttpClient gateway)
    {
        var candidate = Policy("wire").Replace("\"0.5%\"", "\"1%\"", StringComparison.Ordinal);
        var started = await SendAsync(auditor, "startBacktest", Post, "/v1/policies/wire/backtests", candidate, status: 202);
        var id = started.GetProperty("backtestId").GetString()!;
        await SendAsync(auditor, "startBacktest", Post, $"/v1/policies/wire/backtests?from={Uri.EscapeDataString("2026-01-01T00:00:00Z")}&to={Uri.EscapeDataString("2999-01-01T00:00:00Z")}", candidate, status: 202);
        await SendAsync(auditor, "startBacktest", Post, "/v1/policies/wire/backtests?from=noon", candidate, Expectation.Refused, 400);
        await SendAsync(auditor, "startBacktest", Post, "/v1/policies/nothing/backtests", Policy("nothing"), Expectation.Refused, 404);
        await SendAsync(auditor, "startBacktest", Post, "/v1/policies/wire/backtests", Policy("other"), Expectation.Refused, 422);
        await SendAsync(auditor, "startBacktest", Post, "/v1/policies/wire/backtests", """{ "graceSeconds": "soon", "facets": { "payment": { "states": ["captured"] } } }""", Expectation.Invalid, 422);
        await SendAsync(gateway, "startBacktest", Post, "/v1/policies/wire/backtests", candidate, Expectation.Refused, 403);
        await WaitForBacktestAsync(id);
        await GetAsync(auditor, "getBacktest", $"/v1/backtests/{id}");
        await GetAsync(auditor, "getBacktest", "/v1/backtests/nothing", Expectation.Refused, 404);
        await GetAsync(auditor, "listBacktests", "/v1/policies/wire/backtests");
        await GetAsync(auditor, "listBacktests", $"/v1/policies/wire/backtests?candidate={Uri.EscapeDataString(started.GetProperty("candidateHash").GetString()!)}&status=done&limit=5");
        await GetAsync(auditor, "listBacktests", "/v1/policies/wire/backtests?status=asleep", Expectation.Refused, 400);
        await GetAsync(auditor, "listBacktests", "/v1/policies/wire/backtests?limit=many", Expectation.Invalid, 400);
        await GetAsync(auditor, "listBacktestChanges", $"/v1/backtests/{id}/changes?limit=1");
        await GetAsync(auditor, "listBacktestChanges", $"/v1/backtests/{id}/changes?kind=outcome", accept: "text/csv");
        await GetAsync(auditor, "listBacktestChanges", $"/v1/backtests/{id}/changes?format=csv");
        await GetAsync(auditor, "listBacktestChanges", $"/v1/backtests/{id}/changes?kind=weather", Expectation.Refused, 400);
        await GetAsync(auditor, "listBacktestChanges", $"/v1/backtests/{id}/changes?cursor=nowhere", Expectation.Refused, 400);
        await GetAsync(auditor, "listBacktestChanges", $"/v1/backtests/{id}/changes?limit=lots", Expectation.Invalid, 400);
        await GetAsync(auditor, "listBacktestChanges", "/v1/backtests/nothing/changes", Expectation.Refused, 404);
        await SendAsync(auditor, "deleteBacktest", Delete, $"/v1/backtests/{id}", null, status: 204);
        await SendAsync(auditor, "deleteBacktest", Delete, $"/v1/backtests/{id}", null, Expectation.Refused, 404);
    }

    private async Task WaitForBacktestAsync(string id)
    {
        // Straight to the server: waiting is no part of the contract being checked.
        using var direct = contract.Server.ClientFor(ApiServer.AdminSecret);
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var backtest = await direct.GetFromJsonAsync<JsonElement>($"/v1/backtests/{id}");
            if (backtest.GetProperty("status").GetString() is "done" or "failed" or "cancelled")
            {
                Assert.Equal("done", backtest.GetProperty("status").GetString());
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"backtest {id} did not end within 30 s");
    }
}
