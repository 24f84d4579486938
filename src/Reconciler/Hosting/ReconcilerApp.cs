using Npgsql;
using Reconciler.Api;
using Reconciler.Auth;
using Reconciler.Telemetry;

namespace Reconciler.Hosting;

/// <summary>Builds the HTTP host over an already migrated database: services, JSON, problems, endpoints.</summary>
public static class ReconcilerApp
{
    public static WebApplication Build(NpgsqlDataSource dataSource, IReadOnlyList<string> urls, bool runDeadlineWorker = true)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 8L * SignalsApi.MaxBodyBytes);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Services.AddReconciler(dataSource, runDeadlineWorker);
        builder.Services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi("v1");
        builder.Services.AddReconcilerTelemetry();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthApi();
        app.MapOpenApi("/v1/openapi.json").RequireRole(Roles.Any);
        app.MapKeysApi();
        app.MapPoliciesApi();
        app.MapSignalsApi();
        app.MapOperationsApi();
        app.MapWhatIfApi();
        app.MapConflictsApi();
        app.MapReportsApi();
        app.MapFeedApi();
        return app;
    }
}
