using Microsoft.AspNetCore.Authentication;
using Reconciler.Api.OpenApi;
using Reconciler.Auth;

namespace Reconciler.Api;

/// <summary>
/// An endpoint's roles: the ASP.NET Core authorization policy of <see cref="ApiKeyAuthentication"/> (no key or an
/// unknown key → 401, a known key without the role → 403, both as problems), named in the endpoint's metadata.
/// </summary>
public static class ApiAuthorization
{
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        return services;
    }

    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, IReadOnlyList<string> roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRoles(roles)).ProducesAuthProblems().RequireAuthorization(ApiKeyAuthentication.PolicyFor(roles));

    /// <summary>The caller of an endpoint behind <see cref="RequireRole{TBuilder}"/>.</summary>
    public static Caller CallerOf(HttpContext http) =>
        ApiKeyAuthentication.CallerOf(http.User) ?? throw new InvalidOperationException("The endpoint has no RequireRole policy.");
}
