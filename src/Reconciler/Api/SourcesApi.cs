using System.Text.Json;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Http;
using Reconciler.Store.Sources;

namespace Reconciler.Api;

/// <summary>
/// Source silence: <c>POST /v1/sources/{source}/heartbeat</c> (a source says it is alive and, with a watermark, that it has
/// sent everything it observed up to then) and <c>GET /v1/sources</c> (each source's last signal, heartbeat, watermark, status).
/// </summary>
public static class SourcesApi
{
    /// <summary>How far ahead of the engine's clock a watermark may be (the source's clock may run a little fast).</summary>
    public static readonly TimeSpan WatermarkSkew = TimeSpan.FromSeconds(5);

    public sealed record SourcesResponse(IReadOnlyList<SourceView> Items);

    public static IEndpointRouteBuilder MapSourcesApi(this IEndpointRouteBuilder app)
    {
        var sources = app.MapGroup("/v1/sources").WithTags(ApiTags.Sources);
        sources.MapGet("", ListAsync).Describe("listSources", "Every source heard from or named by a policy, with its status")
            .Answers<SourcesResponse>(StatusCodes.Status200OK).RequireRole(Roles.Readers);
        sources.MapPost("/{source}/heartbeat", HeartbeatAsync).Describe("sendHeartbeat", "A source is alive; with a watermark, it sent everything up to then")
            .Reads<HeartbeatRequestContract>(optional: true).Answers<SourceView>(StatusCodes.Status200OK, StatusCodes.Status400BadRequest).RequireRole([Roles.Source, Roles.Admin]);
        return app;
    }

    private static async Task<IResult> ListAsync(SourceMonitor monitor, CancellationToken ct) =>
        TypedResults.Ok(new SourcesResponse(await monitor.ListAsync(ct)));

    private static async Task<IResult> HeartbeatAsync(string source, HttpRequest request, SourceMonitor monitor, TimeProvider clock, CancellationToken ct)
    {
        var caller = ApiAuthorization.CallerOf(request.HttpContext);
        if (caller.Role == Roles.Source && caller.Source != source)
        {
            return Problems.Result(StatusCodes.Status403Forbidden, "source-mismatch", "The path names another source",
                $"This key sends as '{caller.Source}', not '{source}'; a source beats only its own heart.");
        }
        if (InputRules.NameProblem(source) is { } nameProblem)
        {
            return Problems.BadRequest("invalid-source", $"source {nameProblem}.", Problems.Field("source"));
        }
        DateTimeOffset? watermark = null;
        if (request.ContentLength is not 0)
        {
            var body = await RequestJson.ReadObjectAsync(request, ct);
            if (body.Problem is not null)
            {
                return body.Problem;
            }
            foreach (var property in body.Value.EnumerateObject().Where(p => p.Name != "watermark"))
            {
                return InvalidHeartbeat(property.Name, $"'{property.Name}' is not a heartbeat field; send {{ \"watermark\": \"{IsoTime.Example}\" }} or nothing.");
            }
            if (body.Value.TryGetProperty("watermark", out var given) && given.ValueKind != JsonValueKind.Null)
            {
                if (given.ValueKind != JsonValueKind.String || !IsoTime.TryParse(given.GetString(), out var time))
                {
                    return InvalidHeartbeat("watermark", IsoTime.Problem("watermark", given.ToString()));
                }
                if (time > clock.GetUtcNow() + WatermarkSkew)
                {
                    return InvalidHeartbeat("watermark",
                        $"watermark {time:O} is in the future: a source can only vouch for what it has already observed.");
                }
                watermark = time.ToUniversalTime();
            }
        }
        await monitor.HeartbeatAsync(source, watermark, ct);
        var view = (await monitor.ListAsync(ct)).First(v => v.Source == source);
        return TypedResults.Ok(view);
    }

    private static IResult InvalidHeartbeat(string field, string detail) =>
        Problems.BadRequest("invalid-heartbeat", detail, Problems.Field(field));
}
