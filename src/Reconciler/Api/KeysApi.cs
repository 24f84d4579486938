using System.Text.Json;
using System.Text.RegularExpressions;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;
using Reconciler.Http;

namespace Reconciler.Api;

public static partial class KeysApi
{
    public sealed record CreatedKey(string Id, string Key, string Role, string? Source, string? Name);

    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/keys").RequireRole([Roles.Admin]).WithTags(ApiTags.Keys);
        keys.MapPost("", CreateKey).Describe("createKey", "Create an API key for a role; the key is shown once")
            .Reads<KeyRequestContract>().Answers<CreatedKey>(StatusCodes.Status201Created)
            .WithHeader(StatusCodes.Status201Created, "Location", "The key's path, /v1/keys/{id}.");
        keys.MapDelete("/{id}", RevokeKey).Describe("revokeKey", "Revoke an API key")
            .Produces(StatusCodes.Status204NoContent).Problems(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> CreateKey(HttpRequest request, KeyStore store, CancellationToken ct)
    {
        var body = await RequestJson.ReadObjectAsync(request, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        var json = body.Value;
        var role = RequestJson.OptionalString(json, "role");
        var source = RequestJson.OptionalString(json, "source");
        var name = RequestJson.OptionalString(json, "name");
        if (role is null || !Roles.All.Contains(role))
        {
            return Problems.BadRequest("invalid-role", $"'role' must be one of {string.Join(", ", Roles.All)}.");
        }
        if (role == Roles.Source && (source is null || !SourceName().IsMatch(source)))
        {
            return Problems.BadRequest("invalid-source", "A key with role 'source' needs 'source': the system's name, 1..100 chars of [A-Za-z0-9._:-].");
        }
        if (role != Roles.Source && source is not null)
        {
            return Problems.BadRequest("invalid-source", "'source' is only for keys with role 'source'; use 'name' to name a person or tool.");
        }
        if (name is not null && InputRules.NameProblem(name) is { } nameProblem)
        {
            return Problems.BadRequest("invalid-name", $"'name' {nameProblem}.");
        }
        var (caller, key) = await store.CreateAsync(role, source, name, ct);
        return TypedResults.Created($"/v1/keys/{caller.KeyId}", new CreatedKey(caller.KeyId, key, role, source, name));
    }

    private static async Task<IResult> RevokeKey(string id, KeyStore store, CancellationToken ct) =>
        await store.RevokeAsync(id, ct)
            ? TypedResults.NoContent()
            : Problems.NotFound("unknown-key", $"No live key has the id '{id}'.");

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}$")]
    private static partial Regex SourceName();
}
