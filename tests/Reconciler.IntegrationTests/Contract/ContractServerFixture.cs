using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Contract;

/// <summary>
/// A running server over its own database, its OpenAPI document as served (written to a scratch folder for the
/// tools), and that folder, removed at the end.
/// </summary>
public sealed class ContractServerFixture : IAsyncLifetime
{
    private readonly ApiServerFixture _api = new();

    public ApiServer Server => _api.Server;

    /// <summary>A folder of this fixture's own, for documents, generated code and builds.</summary>
    public string Scratch { get; } = Directory.CreateTempSubdirectory("reconciler-contract-").FullName;

    /// <summary>The document as the server sends it.</summary>
    public string DocumentText { get; private set; } = "";

    public JsonNode Document => JsonNode.Parse(DocumentText)!;

    /// <summary>The document written to <see cref="Scratch"/>, for the tools.</summary>
    public string DocumentPath => Path.Combine(Scratch, "openapi.json");

    public async Task InitializeAsync()
    {
        await _api.InitializeAsync();
        DocumentText = await Server.Admin.GetStringAsync("/v1/openapi.json");
        using (JsonDocument.Parse(DocumentText))
        {
            // Fails here, once, when the server sends no JSON.
        }
        await File.WriteAllTextAsync(DocumentPath, DocumentText);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        try
        {
            Directory.Delete(Scratch, recursive: true);
        }
        catch (IOException)
        {
            // A tool still holding a file: the temporary folder is left to the system.
        }
    }
}
