using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Reconciler.Store.Keys;

namespace Reconciler.Auth;

/// <summary>
/// The console's sign-in: an API key is exchanged once for a session cookie of ASP.NET Core's cookie scheme
/// (HttpOnly, SameSite=Strict, path /console, 8 hours sliding), beside the bearer keys of <see cref="ApiKeyAuthentication"/>
/// that the API keeps using. The cookie holds the key's id, role, identity and a stamp of its secret, never the
/// key; every request re-checks the stamp (cached 2 s by <see cref="KeyStore"/>), so a revoked key's sessions end.
/// The cookie is protected with the data-protection key ring in PostgreSQL (<see cref="DataProtectionKeys"/>).
/// </summary>
public static class ConsoleSessions
{
    public const string Scheme = "console";
    public const string CookieName = "reconciler_console";
    public const string ReaderPolicy = "console-reader";
    public const string ResolverPolicy = "console-resolver";
    public const string AdminPolicy = "console-admin";
    private const string StampClaim = "reconciler:key-stamp";

    public static IServiceCollection AddConsoleSessions(this IServiceCollection services)
    {
        services.AddSingleton<DataProtectionKeyTable>();
        services.AddSingleton<DataProtectionKeys>();
        services.AddSingleton<KeySeal>();
        services.AddDataProtection().SetApplicationName("reconciler");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            options.XmlRepository = provider.GetRequiredService<DataProtectionKeys>();
            options.XmlEncryptor = new SealedKeyEncryptor(provider.GetRequiredService<KeySeal>());
        }));
        // The session is the default scheme: console pages and their antiforgery tokens read the user from it. The
        // API's endpoints name their own scheme (ApiKeyAuthentication) in their policies; the cookie's path is /console.
        services.AddAuthentication(Scheme).AddCookie(Scheme, options =>
        {
            options.Cookie.Name = CookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.Path = "/console";
            options.LoginPath = "/console/sign-in";
            options.LogoutPath = "/console/sign-out";
            options.AccessDeniedPath = "/console/forbidden";
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            options.Events.OnValidatePrincipal = ValidateAsync;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(ReaderPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Readers))
            .AddPolicy(ResolverPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Resolver, Roles.Admin))
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Admin));
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "reconciler_antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.Path = "/console";
        });
        return services;
    }

    /// <summary>What a sign-in with <paramref name="key"/> gives: a session principal, or why not.</summary>
    public static async Task<(ClaimsPrincipal? Principal, string? Refusal)> ExchangeAsync(string key, KeyStore keys, CancellationToken ct)
    {
        var caller = string.IsNullOrWhiteSpace(key) ? null : await keys.AuthenticateAsync(key.Trim(), ct);
        if (caller is null || await keys.StampAsync(caller.KeyId, ct) is not { } stamp)
        {
            return (null, "The key is unknown or revoked.");
        }
        if (!Roles.Readers.Contains(caller.Role))
        {
            return (null, $"A {caller.Role} key cannot sign in to the console: use an auditor, resolver or admin key.");
        }
        var claims = ApiKeyAuthentication.ClaimsOf(caller);
        claims.Add(new(StampClaim, stamp));
        return (new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme, ClaimTypes.Name, ClaimTypes.Role)), null);
    }

    /// <summary>The caller behind a session, named as the API names it in audit records.</summary>
    public static Caller? CallerOf(ClaimsPrincipal user) => ApiKeyAuthentication.CallerOf(user);

    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var keyId = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var stamp = context.Principal?.FindFirstValue(StampClaim);
        var keys = context.HttpContext.RequestServices.GetRequiredService<KeyStore>();
        if (keyId is null || stamp is null || await keys.StampAsync(keyId, context.HttpContext.RequestAborted) != stamp)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }
}
