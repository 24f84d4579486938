namespace Reconciler.Webhooks;

/// <summary>
/// How this server delivers webhooks: whether private targets are allowed and where the secrets key comes
/// from. Filled from the environment when the services are composed; <c>serve</c> applies its flags on top
/// before the host starts (<see cref="WebhookServe"/>), and tests set them directly.
/// </summary>
public sealed class WebhookOptions
{
    public const string AllowPrivateVariable = "RECONCILER_ALLOW_PRIVATE_WEBHOOKS";
    public const string SecretsKeyVariable = "RECONCILER_SECRETS_KEY";

    /// <summary>The key file of a server on --connection without <see cref="SecretsKeyVariable"/>, relative to the working directory.</summary>
    public const string DefaultKeyFile = ".reconciler/secrets.key";

    /// <summary>Per attempt: a 2xx within this time is a success.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Deliveries of one subscription in flight at once, each of a different operation.</summary>
    public const int MaxInFlight = 8;

    /// <summary>Loopback, private and link-local targets are allowed (tests, a receiver on the same host).</summary>
    public bool AllowPrivateTargets { get; set; } = IsTrue(Environment.GetEnvironmentVariable(AllowPrivateVariable));

    /// <summary>The secrets key as base64 of 32 bytes; when null, <see cref="SecretsKeyFile"/> holds it (created on first use).</summary>
    public string? SecretsKey { get; set; } = NullIfEmpty(Environment.GetEnvironmentVariable(SecretsKeyVariable));

    public string SecretsKeyFile { get; set; } = DefaultKeyFile;

    public static bool IsTrue(string? value) =>
        value is not null && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1");

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
