using Reconciler.Api.OpenApi;

namespace Reconciler.Auth;

/// <summary>Endpoint metadata: the roles an endpoint needs (the OpenAPI document lists them).</summary>
public sealed record RequiredRoles(IReadOnlyList<string> Roles);

/// <summary>
/// Authenticates the bearer key and enforces the endpoint's roles: no key or an unknown key → 401,
/// a known key without the role → 403. The caller is then available through <see cref="CallerOf"/>.
/// </summary>
public static class RoleFilter
{
    private const string CallerItem = "reconciler.caller";

    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, IReadOnlyList<string> roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRoles(roles)).ProducesAuthProblems().AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var header = http.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            {
                return Api.Problems.Unauthorized("Send 'Authorization: Bearer <key>'; create keys with POST /v1/keys.");
            }
            var keys = http.RequestServices.GetRequiredService<KeyStore>();
            var caller = await keys.AuthenticateAsync(header[7..].Trim(), http.RequestAborted);
            if (caller is null)
            {
                return Api.Problems.Unauthorized("The API key is unknown or revoked.");
            }
            if (!roles.Contains(caller.Role))
            {
                return Api.Problems.Forbidden($"This needs the role {string.Join(" or ", roles)}; the key has the role {caller.Role}.");
            }
            http.Items[CallerItem] = caller;
            return await next(context);
        });

    public static Caller CallerOf(HttpContext http) =>
        http.Items[CallerItem] as Caller ?? throw new InvalidOperationException("The endpoint has no RequireRole filter.");
}
