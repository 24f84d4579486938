using Reconciler.Store.Inbound;

namespace Reconciler.Inbound;

/// <summary>Inbound adapters (docs/inbound.md): the services and the endpoints, in one place to register.</summary>
public static class InboundServices
{
    public static IServiceCollection AddInbound(this IServiceCollection services)
    {
        services.AddSingleton<InboundMappingTable>();
        services.AddSingleton<InboundDeliveryTable>();
        services.AddSingleton<InboundImportTable>();
        services.AddSingleton<InboundMappings>();
        services.AddSingleton<InboundReceiver>();
        services.AddSingleton<QuarantineReplay>();
        services.AddSingleton<CsvImporter>();
        return services;
    }

    public static IEndpointRouteBuilder MapInboundApi(this IEndpointRouteBuilder app)
    {
        app.MapInboundMappingApi();
        app.MapInboundDeliveryApi();
        app.MapQuarantineApi();
        app.MapImportsApi();
        return app;
    }
}
