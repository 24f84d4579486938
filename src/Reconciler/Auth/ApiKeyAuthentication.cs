using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Reconciler.Http;

namespace Reconciler.Auth;

/// <summary>Endpoint metadata: the roles an endpoint needs (the refusal and the OpenAPI document name them).</summary>
public sealed record RequiredRoles(IReadOnlyList<string> Roles);

/// <summary>
/// The API's authentication scheme: <c>Authorization: Bearer &lt;key&gt;</c> checked against <see cref="KeyStore"/>.
/// Challenges and refusals answer as problem documents saying what to fix (no key, an unknown key, a key
/// without the endpoint's role), not as bare status codes.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, KeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "api-key";
    private const string SourceClaim = "reconciler:source";

    /// <summary>The policy of an endpoint that needs a key with one of <paramref name="roles"/>.</summary>
    public static AuthorizationPolicy PolicyFor(IReadOnlyList<string> roles) =>
        new AuthorizationPolicyBuilder(SchemeName).RequireRole(roles).Build();

    /// <summary>The caller a request authenticated as: by key here, or by the console's session cookie.</summary>
    public static Caller? CallerOf(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true } && user.FindFirstValue(ClaimTypes.NameIdentifier) is { } keyId && user.FindFirstValue(ClaimTypes.Role) is { } role
            ? new Caller(keyId, role, user.FindFirstValue(SourceClaim), user.FindFirstValue(ClaimTypes.Name))
            : null;

    /// <summary>The claims a caller is known by (the console's session carries the same ones).</summary>
    public static List<Claim> ClaimsOf(Caller caller)
    {
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, caller.KeyId),
            new(ClaimTypes.Name, caller.Identity),
            new(ClaimTypes.Role, caller.Role),
        ];
        if (caller.Source is not null)
        {
            claims.Add(new(SourceClaim, caller.Source));
        }
        return claims;
    }

    // The first admin key cannot come from POST /v1/keys (that needs an admin key): say where it comes from.
    private const string NoKey = "Send 'Authorization: Bearer <key>'. An admin makes keys with POST /v1/keys; the first admin key is " +
        "the secret in RECONCILER_BOOTSTRAP_ADMIN_KEY when the server starts.";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            return AuthenticateResult.NoResult();
        }
        var caller = await keys.AuthenticateAsync(header[7..].Trim(), Context.RequestAborted);
        if (caller is null)
        {
            return AuthenticateResult.Fail("The API key is unknown or revoked.");
        }
        var identity = new ClaimsIdentity(ClaimsOf(caller), SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = "Bearer";
        await Http.Problems.Unauthorized(result.Failure?.Message ?? NoKey)
            .ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var needed = Context.GetEndpoint()?.Metadata.GetMetadata<RequiredRoles>()?.Roles ?? [];
        var role = CallerOf(Context.User)?.Role ?? "none";
        return Http.Problems.Forbidden($"This needs the role {string.Join(" or ", needed)}; the key has the role {role}.").ExecuteAsync(Context);
    }
}
