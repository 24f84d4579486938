using System.Text.Json;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Ingest;
using Reconciler.Http;

namespace Reconciler.Api;

public static class SignalsApi
{
    public const int MaxBodyBytes = 8 * 1024 * 1024;

    public sealed record SignalsResponse(IReadOnlyList<SignalResult> Results);

    public static IEndpointRouteBuilder MapSignalsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/signals", PostSignals).Describe("postSignals", "Send one signal or a batch; each is judged and answered with its result")
            .Reads<SignalsBodyContract>().Answers<SignalsResponse>(StatusCodes.Status200OK).WithTags(ApiTags.Signals).RequireRole([Roles.Source, Roles.Admin]);
        return app;
    }

    private static async Task<IResult> PostSignals(HttpRequest request, IngestPipeline ingest, CancellationToken ct)
    {
        var (document, problem) = await RequestJson.ReadDocumentAsync(
            request, MaxBodyBytes, ct, TooLarge($"The body may be at most {MaxBodyBytes} bytes (8 MiB); split the batch."));
        if (document is null)
        {
            return problem!;
        }
        using (document)
        {
            var count = SignalBatchParser.CountItems(document.Document.RootElement);
            if (count > SignalBatchParser.MaxSignals)
            {
                return TooLarge($"A request may carry at most {SignalBatchParser.MaxSignals} signals; this one has {count}.");
            }
            var (batch, errors) = SignalBatchParser.Parse(document.Document.RootElement);
            if (batch is null)
            {
                return Problems.BadRequest(
                    "invalid-signal",
                    string.Join("; ", errors.Take(10).Select(e => $"signals[{e.Index}].{e.Field} {e.Message}")) + (errors.Count > 10 ? $"; and {errors.Count - 10} more" : ""),
                    new Dictionary<string, object?> { ["errors"] = errors });
            }
            var caller = ApiAuthorization.CallerOf(request.HttpContext);
            var source = SourceOf(caller, batch, out var refusal);
            if (source is null)
            {
                return refusal!;
            }
            return TypedResults.Ok(new SignalsResponse(await ingest.IngestAsync(source, batch.Signals, ct)));
        }
    }

    /// <summary>The source the signals are judged as: always the key's; a body <c>source</c> that differs is refused.</summary>
    private static string? SourceOf(Caller caller, SignalBatch batch, out IResult? refusal)
    {
        refusal = null;
        if (caller.Role == Roles.Source)
        {
            var other = batch.BodySources.Select((s, i) => (Source: s, Index: i)).FirstOrDefault(x => x.Source is not null && x.Source != caller.Source);
            if (other.Source is not null)
            {
                refusal = Problems.Result(StatusCodes.Status403Forbidden, "source-mismatch", "The body names another source",
                    $"signals[{other.Index}].source is '{other.Source}' but this key sends as '{caller.Source}'; drop the field or use that source's key.");
                return null;
            }
            return caller.Source;
        }
        // An admin may send on a source's behalf, naming it in every signal.
        var named = batch.BodySources.Distinct().ToList();
        if (named is [{ } single])
        {
            return single;
        }
        refusal = Problems.BadRequest("source-required",
            "An admin key sends signals only when every signal names the same 'source'; sources normally use their own key (role 'source').");
        return null;
    }

    private static IResult TooLarge(string detail) =>
        Problems.Result(StatusCodes.Status413PayloadTooLarge, "batch-too-large", "The batch is too large", detail,
            new Dictionary<string, object?> { ["maxSignals"] = SignalBatchParser.MaxSignals, ["maxBytes"] = MaxBodyBytes });
}
