using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Reconciler.Api;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Store.Inbound;
using Reconciler.Http;

namespace Reconciler.Inbound;

/// <summary>
/// Statement and settlement files: <c>POST /v1/sources/{source}/imports</c> streams a CSV through the source's mapping
/// (<see cref="CsvImporter"/>) and answers its summary, kept for <c>GET …/imports/{id}</c>.
/// </summary>
public static class ImportsApi
{
    /// <summary>The largest file taken (docs/inbound.md); it is streamed, so this bounds time, not memory.</summary>
    public const long MaxFileBytes = 4L << 30;

    public sealed record ImportsPage(IReadOnlyList<ImportSummary> Items);

    public static IEndpointRouteBuilder MapImportsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/sources/{source}/imports", PostAsync).Describe("importStatement", "A statement or settlement file (CSV), streamed row by row into signals; answers its summary").WithTags(ApiTags.Inbound)
            .Accepts<string>("text/csv").Problems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge)
            .Answers<ImportSummary>(StatusCodes.Status201Created, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity)
            .RequireRole([Roles.Source, Roles.Admin]);
        app.MapGet("/v1/sources/{source}/imports", ListAsync).Describe("listImports", "The source's imports, newest first, each with its summary").WithTags(ApiTags.Inbound).Answers<ImportsPage>(StatusCodes.Status200OK).RequireRole(Roles.Readers);
        app.MapGet("/v1/sources/{source}/imports/{importId}", GetAsync).Describe("getImport", "One import's summary: rows, signals accepted, duplicates, rejected rows with reasons").WithTags(ApiTags.Inbound)
            .Answers<ImportSummary>(StatusCodes.Status200OK, StatusCodes.Status404NotFound).RequireRole([Roles.Source, .. Roles.Readers]);
        return app;
    }

    private static async Task<IResult> PostAsync(string source, HttpContext http, InboundMappings mappings, CsvImporter importer, CancellationToken ct)
    {
        if ((InboundSources.Invalid(source) ?? InboundSources.ForeignSource(ApiAuthorization.CallerOf(http), source)) is { } refused)
        {
            return refused;
        }
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var media) || !media.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Result(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Send the file as text/csv",
                $"An import is a CSV file sent as Content-Type: text/csv (UTF-8), not '{http.Request.ContentType}'.");
        }
        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Result(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Send the file as UTF-8",
                $"An import is read as UTF-8; convert the file from {media.Charset} first.");
        }
        var version = await mappings.GetAsync(source, null, ct);
        if (version?.Mapping.Csv is not { } csv)
        {
            return version is null
                ? InboundSources.NoMapping(source)
                : Problems.NotFound("unknown-inbound-source", $"The mapping of source '{source}' (version {version.Version}) has no csv section: add one to import files (docs/inbound.md).");
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxFileBytes;
        }
        var (file, refusal) = await CsvFile.OpenAsync(http.Request.Body, csv, ct);
        if (file is null)
        {
            return Problems.Result(StatusCodes.Status422UnprocessableEntity, "invalid-csv", "The file cannot be imported", refusal!.Detail + " Nothing was stored.");
        }
        var summary = await importer.ImportAsync(source, version, file, ApiAuthorization.CallerOf(http).Identity, ct);
        var location = $"/v1/sources/{Uri.EscapeDataString(source)}/imports/{summary.ImportId}";
        if (summary.Status != ImportStatus.Done)
        {
            return Problems.Result(StatusCodes.Status422UnprocessableEntity, "import-stopped", "The import stopped before the file ended",
                $"{summary.Failure} Its summary is at {location}.", new Dictionary<string, object?> { ["importId"] = summary.ImportId, ["summary"] = summary });
        }
        // The very bytes stored, so that GET …/imports/{id} answers exactly this.
        http.Response.Headers.Location = location;
        return TypedResults.Text(CsvImporter.Json(summary), "application/json", System.Text.Encoding.UTF8, StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(string source, long importId, HttpContext http, InboundImportTable imports, CancellationToken ct)
    {
        if ((InboundSources.Invalid(source) ?? InboundSources.ForeignSource(ApiAuthorization.CallerOf(http), source)) is { } refused)
        {
            return refused;
        }
        return await imports.GetAsync(source, importId, ct) is { } row
            ? TypedResults.Text(row.Summary, "application/json")
            : Problems.NotFound("unknown-import", $"Source '{source}' has no import {importId.ToString(CultureInfo.InvariantCulture)}.");
    }

    private static async Task<IResult> ListAsync(string source, int? limit, InboundImportTable imports, CancellationToken ct)
    {
        if (InboundSources.Invalid(source) is { } invalid)
        {
            return invalid;
        }
        if (Paging.CheckLimit(limit) is { } invalidLimit)
        {
            return invalidLimit;
        }
        var rows = await imports.ListAsync(source, limit ?? Paging.DefaultLimit, ct);
        return TypedResults.Ok(new ImportsPage([.. rows.Select(r => JsonSerializer.Deserialize<ImportSummary>(r.Summary, ApiJson.Options)!)]));
    }
}
