namespace Reconciler.Auth;

/// <summary>The roles of API.md. <c>admin</c> may do everything; <c>resolver</c> includes <c>auditor</c>.</summary>
public static class Roles
{
    public const string Source = "source";
    public const string Auditor = "auditor";
    public const string Resolver = "resolver";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Source, Auditor, Resolver, Admin];

    /// <summary>Who may read truth, history and conflicts.</summary>
    public static readonly IReadOnlyList<string> Readers = [Auditor, Resolver, Admin];

    public static readonly IReadOnlyList<string> Any = All;
}

/// <summary>The identity behind a valid key.</summary>
public sealed record Caller(string KeyId, string Role, string? Source, string? Name)
{
    /// <summary>How the caller is named in audit records (an operator resolution, a policy change).</summary>
    public string Identity => Name ?? Source ?? KeyId;
}
