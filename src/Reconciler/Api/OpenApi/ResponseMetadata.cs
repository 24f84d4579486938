namespace Reconciler.Api.OpenApi;

/// <summary>Endpoint metadata: a header the endpoint sends with a response of this status (the document describes it).</summary>
public sealed record ResponseHeader(int Status, string Name, string Description);

/// <summary>Endpoint metadata: another media type the endpoint answers with this status, besides JSON (CSV, server-sent events).</summary>
public sealed record AlternativeContent(int Status, string MediaType, string Description, bool Text);

/// <summary>Endpoint metadata: the key is optional (a signed delivery carries its own credential), so the document offers no security as well as the bearer key.</summary>
public sealed record KeyOptional;
