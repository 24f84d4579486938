using System.CommandLine;
using Reconciler.Store.Webhooks;

namespace Reconciler.Webhooks;

/// <summary>The webhook part of the product's composition, and what <c>serve</c> adds to it.</summary>
public static class WebhookServices
{
    /// <summary>Registers subscriptions, their delivery worker and the webhook HTTP client (15 s per attempt, no redirects, no proxy, guarded connections).</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<WebhookOptions>();
        services.AddSingleton<SecretBox>();
        services.AddSingleton<WebhookAlarm>();
        services.AddSingleton<SubscriptionStates>();
        services.AddSingleton<FeedSource>();
        services.AddSingleton<SubscriptionStore>();
        services.AddSingleton<ParkedDeliveries>();
        services.AddSingleton<DeliveryTable>();
        services.AddSingleton<SubscriptionTable>();
        services.AddSingleton<ParkedDeliveryTable>();
        services.AddSingleton<WebhookSender>();
        services.AddHttpClient(WebhookSender.ClientName, client =>
            {
                client.Timeout = WebhookOptions.AttemptTimeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("Reconciler-Webhooks/1");
            })
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var options = provider.GetRequiredService<WebhookOptions>();
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseProxy = false,
                    UseCookies = false,
                    ConnectTimeout = WebhookOptions.AttemptTimeout,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = (context, ct) => WebhookUrlGuard.ConnectAsync(options, context.DnsEndPoint, ct),
                };
            })
            .RemoveAllLoggers();
        services.AddHostedService<WebhookWorker>();
        return services;
    }
}

/// <summary><c>serve</c>'s webhook settings: --allow-private-webhooks, and where the secrets key file lives.</summary>
public static class WebhookServe
{
    public static readonly Option<bool> AllowPrivate = new("--allow-private-webhooks")
    {
        Description = $"Allow webhook targets on loopback, private and link-local addresses (or {WebhookOptions.AllowPrivateVariable}=true)",
    };

    /// <summary>
    /// Applies the flag, and places the secrets key file: in the embedded PostgreSQL's data folder, or
    /// <see cref="WebhookOptions.DefaultKeyFile"/> under the working directory with --connection.
    /// A <see cref="WebhookOptions.SecretsKeyVariable"/> that is set is checked now, so a bad one stops the start.
    /// </summary>
    public static void Configure(IServiceProvider services, bool allowPrivate, string? connection, string dataDir)
    {
        var embedded = string.IsNullOrWhiteSpace(connection ?? Environment.GetEnvironmentVariable(Cli.DatabaseStartup.ConnectionVariable));
        var options = services.GetRequiredService<WebhookOptions>();
        options.AllowPrivateTargets |= allowPrivate;
        options.SecretsKeyFile = embedded ? Path.Combine(dataDir, "secrets.key") : WebhookOptions.DefaultKeyFile;
        if (options.SecretsKey is not null)
        {
            _ = SecretsKey.Load(options);
        }
    }
}
